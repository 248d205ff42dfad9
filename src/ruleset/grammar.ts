/**
 * Shared regex pieces that rule files reference by name, `(?&assign)`, instead of each rule
 * writing (and forgetting parts of) the same grammar. `(?&name)` is PCRE's subroutine call syntax,
 * which JavaScript regexes reject, so a reference can never be mistaken for a pattern of its own.
 * Pieces are expanded when a keyleak rule file is parsed; gitleaks configurations are RE2 and
 * never contain them.
 */

/**
 * Where a name ends: spaces, closing quotes (also backslash-escaped, as in JSON inside a string),
 * and the `]` or `)` of `ENV['X']` or `config("X")`.
 */
const NAME_CLOSE = String.raw`[ \t'"\x60\\\])]{0,6}`;

/** A declared type: `string`, `String`, `&'static str`, `Optional[str]`, `Map<String, String>`, `String?`. */
const TYPE = String.raw`(?:&(?:'static[ \t]{1,3})?)?[A-Za-z_][\w.]{0,40}(?:<[\w., ]{0,60}>|\[[\w., ]{0,40}\])?\??`;

/** An optional quote around a field name, escaped when the JSON sits inside a string. */
const FIELD_QUOTE = String.raw`\\?["']?`;

/**
 * The field that holds the name in a name/value pair, checked behind the name's end: `- name: X`
 * (a Kubernetes or Compose `env:` list, CloudFormation `Name: X`), `{"name": "X"` (ECS task
 * definitions, `kubectl -o json`), `{ name = "X"` (Terraform), `"ParameterKey": "X"` (CloudFormation
 * parameter files), `{"key": "X"` (Postman variables and headers).
 */
const PAIR_NAME = String.raw`(?:^|[\s{,\[(])(?:-[ \t]{1,3})?${FIELD_QUOTE}(?:[Pp]arameter)?(?:[Nn]ame|[Kk]ey)${FIELD_QUOTE}[ \t]{0,3}[:=][ \t]{0,3}${FIELD_QUOTE}[\w.-]{1,100}${NAME_CLOSE}`;

/**
 * The ways one line gives a name its value, longest first where one is a prefix of another.
 * Each alternative is followed by the value, after up to five spaces.
 */
const OPERATORS: readonly string[] = [
  // A typed declaration, TypeScript, Kotlin, Swift, Scala, Rust, Python: `apiKey: string = `.
  String.raw`[ \t]{0,3}:[ \t]{0,3}${TYPE}[ \t]{0,3}=(?![=>])`,
  // Go: `var apiKey string = `, `const token []byte = `.
  String.raw`[ \t]{1,3}(?:string|\[\]byte)[ \t]{0,3}=(?!=)`,
  // Terraform/HCL: `variable "api_token" {` with `type`, `description`… lines before `default =`.
  String.raw`[ \t]{0,3}\{(?:[ \t\r]{0,4}\n[ \t]{0,40}(?:type|description|sensitive|nullable|ephemeral)[ \t]{0,12}=[^\r\n]{0,200}){0,4}[ \t\r]{0,4}\n[ \t]{0,40}default[ \t]{0,12}=`,
  // YAML block scalar: `client_secret: |` with the value indented on the next line.
  String.raw`:[ \t]{0,3}[|>][-+]?[ \t\r]{0,4}\n[ \t]{1,40}`,
  // An XML element whose value stands on its own line: `<authToken>\n    value\n</authToken>`.
  String.raw`>[ \t\r]{0,4}\n[ \t]{0,40}`,
  // A property list: `<key>ApiSecret</key>` then `<string>value</string>`.
  String.raw`</key>[ \t\r\n]{0,40}<string>`,
  // A name/value pair: the value in the next field, on the same line or the next one
  // (`- name: API_TOKEN` / `  value: "…"`, `{"name": "API_TOKEN", "value": "…"}`). `valueFrom:`,
  // a reference to a Kubernetes Secret or ConfigMap, is not `value`.
  String.raw`(?<=${PAIR_NAME})[ \t]{0,3},?[ \t\r]{0,4}\n?[ \t]{0,40}${FIELD_QUOTE}(?:[Pp]arameter)?[Vv]alue${FIELD_QUOTE}[ \t]{0,3}[:=][ \t]{0,3}`,
  // Hadoop-style configuration XML: `<name>fs.s3a.secret.key</name>` then `<value>…</value>`.
  String.raw`(?<=<name>[ \t]{0,3}[\w.-]{1,100})[ \t]{0,3}</name>[ \t\r\n]{0,40}<value>[ \t\r\n]{0,40}`,
  // A Markdown table row: the name in one cell and the value in the next (`| API token | … |`).
  String.raw`[ \t]{0,3}\|[ \t]{0,3}(?<=(?:^|\n)[ \t]{0,3}(?:\|[^|\r\n]{0,120}){1,8}\|[ \t]{0,3})`,
  // A dash between spaces, as notes and lists write a credential after its name (`Sentry auth token - …`).
  String.raw`[ \t]{1,3}[-\u2013\u2014][ \t]{1,3}`,
  // make `:::=`, `::=`, `?=`, `+=`; Go `:=`; PHP `.=`; Ruby `||=`; JavaScript `??=`; PHP and Ruby `=>`; R `<-`.
  String.raw`:{1,3}=|[?+.]=|\|\|=|\?\?=|=>|<-`,
  // Shell, env, INI, TOML, HCL, properties, every language's `=` (not a comparison).
  String.raw`=(?!=)`,
  // YAML, JSON, JavaScript objects, INI and properties `:` (not C++ and Ruby `::`).
  String.raw`:(?!:)`,
  // An XML element or attribute: `<apiKey>value`, `<add key="ApiKey" value="…">`, Android
  // `<meta-data android:name="…API_KEY" android:value="…">`.
  String.raw`>|[ \t](?:android:)?(?:[Vv]alue|[Cc]ontent)=`,
  // The name as the first argument of a call or initializer, quoted or a Ruby symbol, then the value:
  // `define('API_KEY', '…')`, `headers.set("X-Api-Key", "…")`, `{ "ApiKey", "…" }`,
  // Groovy `property 'sonar.login', '…'`, Ruby `set :api_key, '…'`. Not a list: `["token", "other"]`.
  String.raw`(?<=(?:[({]|\w[ \t])[ \t]{0,3}(?:\\?["'\x60][^"'\x60\r\n]{1,80}\\?["'\x60]|:\w{1,80})[ \t]{0,3}),`,
  // Gradle's generated constants, Groovy or Kotlin DSL: `buildConfigField "String", "API_KEY", "\"…\""`
  // and `resValue("string", "api_key", "…")`; the type comes before the name, and a BuildConfig
  // string's value is a Java literal, so its quotes are escaped inside the outer ones, or stand
  // unescaped inside Groovy's single quotes (`'"…"'`).
  String.raw`(?<=\b(?:buildConfigField|resValue)[ \t(]{1,4}["'][\w.<>]{1,40}["'][ \t]{0,3},[ \t]{0,3}["'][^"'\r\n]{1,80}["'][ \t]{0,3}),[ \t]{0,3}(?:"(?=\\")|'(?="))?`,
  // A setter or constructor named for the value: `setApiKey("…")`, `ApiToken("…")`.
  String.raw`(?<=\w)\(`,
  // Separated by spaces only where a line's syntax says so: Dockerfile `ENV`/`ARG`, `#define`,
  // csh `setenv` (Apache `SetEnv`), fish `set -x`, Windows `setx`, nginx `fastcgi_param`, an Elixir
  // module attribute `@api_key "…"`, and a command-line flag `--api-key value`.
  String.raw`[ \t]{1,4}(?<=(?:(?:^|\n)[ \t]{0,8}(?:(?:ENV|ARG|setenv|SetEnv|setx|set[ \t]{1,3}-[gxUu]{1,3}|#[ \t]{0,2}define|(?:fastcgi|uwsgi|scgi)_param)[ \t]{1,8}|@)|[ \t]--?)[^\s=]{1,100}[ \t]{1,4})`,
  // A Groovy, Gradle, Ruby or Kotlin DSL call without parentheses, the name alone at the start of
  // its line and a quoted value after it: `password 'S3cr3t'` in a Gradle `credentials { }` block,
  // `api_key "…"` in a Fastfile.
  String.raw`[ \t]{1,4}(?<=(?:^|\n)[ \t]{0,40}[\w.-]{1,100}[ \t]{1,4})(?=\\?["'])`,
];

/**
 * The characters an assignment can start with. Checked first, it fails a name followed by a letter
 * (`pwdpwdpwd…`) at once, instead of trying every operator after every length of the name.
 */
const FIRST = String.raw`(?=[\s'"\x60\\\]):=?+.|<>,({])`;

/** Named pieces a rule regex may reference as `(?&name)`. */
export const GRAMMAR: Readonly<Record<string, string>> = {
  /**
   * From the end of a secret-sounding name to the start of its value (before any opening quote):
   * the assignment syntax of shell, make, YAML, TOML, INI, properties, JSON, XML and plist,
   * Go, PHP, Ruby, Python, JavaScript/TypeScript, Java/Kotlin, C#, Swift, Rust, C, Terraform/HCL,
   * Dockerfile `ENV`/`ARG`, GitHub Actions `env:` and command-line flags.
   */
  assign: `${FIRST}${NAME_CLOSE}(?:${OPERATORS.join('|')})[ \\t]{0,5}`,
};

/** `(?&name)`, with the backslashes before it: after an odd number, the `(` is an escaped literal. */
const REFERENCE = /(\\*)\(\?&([A-Za-z][\w-]*)\)/g;

export type Expansion = { readonly ok: true; readonly source: string } | { readonly ok: false; readonly reason: string };

/** The rule regex with every `(?&name)` replaced by its piece in a non-capturing group. */
export function expandGrammar(source: string): Expansion {
  const unknown = new Set<string>();
  const expanded = source.replace(REFERENCE, (reference: string, backslashes: string, name: string) => {
    if (backslashes.length % 2 === 1) return reference;
    const piece = Object.hasOwn(GRAMMAR, name) ? GRAMMAR[name] : undefined;
    if (piece === undefined) {
      unknown.add(name);
      return reference;
    }
    return `${backslashes}(?:${piece})`;
  });
  if (unknown.size > 0) return { ok: false, reason: `unknown grammar piece ${[...unknown].map((name) => `(?&${name})`).join(', ')} (known: ${Object.keys(GRAMMAR).map((name) => `(?&${name})`).join(', ')})` };
  return { ok: true, source: expanded };
}
