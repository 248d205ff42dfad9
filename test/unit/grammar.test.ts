import { describe, expect, it } from 'vitest';
import { expandGrammar, GRAMMAR } from '../../src/ruleset/grammar.js';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { catastrophicBacktracking } from '../../src/ruleset/redos.js';
import { hitsIn, rulesetFrom } from '../helpers/rules.js';

const KEY = 'Qm7tX2vR9kLp4Wz8Nc3Hd6Fy1Bj5Gs0A';

/** A provider-style context rule: a `demo` name, the shared grammar, then a fixed-format value. */
const RULE = `
[[rules]]
id = "demo-api-key"
regex = '''demo[\\w.-]{0,20}?(?:api[_.-]?)?key\\w{0,12}(?&assign)\\\\?["'\`]?([A-Za-z0-9]{32})(?![A-Za-z0-9])'''
flags = "i"
keywords = ["demo"]
`;
const ruleset = rulesetFrom(RULE);
const found = (text: string) => hitsIn(ruleset, text).map((hit) => hit.secret);

describe('(?&assign): one assignment grammar for every context rule', () => {
  it.each([
    ['shell', `export DEMO_API_KEY="${KEY}"`],
    ['shell before a command', `DEMO_API_KEY=${KEY} ./bin/sync`],
    ['make ?=', `DEMO_API_KEY ?= ${KEY}`],
    ['make ::=', `DEMO_API_KEY ::= ${KEY}`],
    ['make :::=', `DEMO_API_KEY :::= ${KEY}`],
    ['make +=', `DEMO_API_KEY += ${KEY}`],
    ['Go :=', `demoKey := "${KEY}"`],
    ['Go typed var', `var demoApiKey string = "${KEY}"`],
    ['Go []byte', `var demoKey []byte = "${KEY}"`],
    ['YAML', `  demo_api_key: ${KEY}`],
    ['YAML block scalar', `demo_api_key: |\n    ${KEY}\n`],
    ['TOML', `demo_api_key = "${KEY}"`],
    ['INI', `demo.api.key : ${KEY}`],
    ['JSON', `{ "demoApiKey" : "${KEY}" }`],
    ['JSON inside a string', `"{\\"demoApiKey\\":\\"${KEY}\\"}"`],
    ['XML element', `<demoApiKey>${KEY}</demoApiKey>`],
    ['XML element, value on the next line', `<demoApiKey>\n    ${KEY}\n</demoApiKey>`],
    ['XML attribute', `<add key="DemoApiKey" value="${KEY}" />`],
    ['Android manifest meta-data', `<meta-data android:name="com.demo.API_KEY" android:value="${KEY}" />`],
    ['Android string resource', `<string name="demo_api_key">${KEY}</string>`],
    ['plist', `<key>DemoApiKey</key>\n\t<string>${KEY}</string>`],
    ['PHP .=', `$demo_api_key .= '${KEY}';`],
    ['PHP array', `'demo_api_key' => '${KEY}',`],
    ['PHP define', `define('DEMO_API_KEY', '${KEY}');`],
    ['Ruby ||=', `ENV['DEMO_API_KEY'] ||= '${KEY}'`],
    ['Ruby symbol hash', `:demo_api_key => "${KEY}"`],
    ['Ruby set', `set :demo_api_key, "${KEY}"`],
    ['Python annotated', `DEMO_API_KEY: str = "${KEY}"`],
    ['Python Final[str]', `DEMO_API_KEY: Final[str] = "${KEY}"`],
    ['Python keyword argument', `Client(demo_api_key="${KEY}")`],
    ['TypeScript annotated', `export const demoApiKey: string = "${KEY}";`],
    ['JavaScript ??=', `config.demoApiKey ??= "${KEY}";`],
    ['JavaScript setter', `client.setDemoApiKey("${KEY}")`],
    ['Java', `private static final String DEMO_API_KEY = "${KEY}";`],
    ['Kotlin', `const val DEMO_API_KEY: String = "${KEY}"`],
    ['C# initializer', `{ "DemoApiKey", "${KEY}" }`],
    ['Swift', `let demoApiKey: String? = "${KEY}"`],
    ['Rust', `const DEMO_API_KEY: &'static str = "${KEY}";`],
    ['R', `demo_api_key <- "${KEY}"`],
    ['Groovy property', `property 'demo.api.key', '${KEY}'`],
    ['Gradle buildConfigField', `buildConfigField "String", "DEMO_API_KEY", "\\"${KEY}\\""`],
    ['Gradle buildConfigField in Groovy single quotes', `buildConfigField 'String' , 'DEMO_API_KEY' , '"${KEY}"'`],
    ['Gradle Kotlin DSL buildConfigField', `buildConfigField("String", "DEMO_API_KEY", "\\"${KEY}\\"")`],
    ['Gradle resValue', `resValue "string", "demo_api_key", "${KEY}"`],
    ['Elixir module attribute', `  @demo_api_key "${KEY}"`],
    ['C #define', `#define DEMO_API_KEY "${KEY}"`],
    ['Terraform', `demo_api_key = "${KEY}"`],
    ['Terraform variable default', `variable "demo_api_key" {\n  type        = string\n  description = "Demo key"\n  default     = "${KEY}"\n}`],
    ['Dockerfile ENV with a space', `FROM node:20\nENV DEMO_API_KEY ${KEY}`],
    ['Dockerfile ARG', `ARG DEMO_API_KEY=${KEY}`],
    ['GitHub Actions env', `    env:\n      DEMO_API_KEY: ${KEY}`],
    ['csh setenv', `setenv DEMO_API_KEY ${KEY}`],
    ['Apache SetEnv', `SetEnv DEMO_API_KEY "${KEY}"`],
    ['nginx fastcgi_param', `    fastcgi_param DEMO_API_KEY ${KEY};`],
    ['Gradle credentials block', `maven {\n  credentials {\n    username 'deploy'\n    demoApiKey '${KEY}'\n  }\n}`],
    ['Ruby DSL call', `demo_api_key "${KEY}"`],
    ['fish set -x', `set -gx DEMO_API_KEY ${KEY}`],
    ['command-line flag', `demo-cli sync --demo-api-key ${KEY} --verbose`],
    ['command-line flag with =', `demo-cli sync --demo-api-key=${KEY}`],
    ['Kubernetes env list', `    env:\n      - name: DEMO_API_KEY\n        value: "${KEY}"\n`],
    ['Kubernetes env list, quoted name, unquoted value', `env:\n- name: "DEMO_API_KEY"\n  value: ${KEY}\n`],
    ['Kubernetes env list, CRLF', `env:\r\n  - name: DEMO_API_KEY\r\n    value: '${KEY}'\r\n`],
    ['CloudFormation YAML', `Environment:\n  - Name: DEMO_API_KEY\n    Value: ${KEY}\n`],
    ['ECS task definition, one line', `"environment": [{"name": "DEMO_API_KEY", "value": "${KEY}"}]`],
    ['ECS task definition, consecutive lines', `"environment": [\n  {\n    "name": "DEMO_API_KEY",\n    "value": "${KEY}"\n  }\n]`],
    ['CloudFormation JSON', `{ "Name" : "DEMO_API_KEY", "Value" : "${KEY}" }`],
    ['CloudFormation parameter file', `[{"ParameterKey": "DemoApiKey", "ParameterValue": "${KEY}"}]`],
    ['Terraform container definition', `environment = [{ name = "DEMO_API_KEY", value = "${KEY}" }]`],
    ['YAML flow mapping', `env: [{name: DEMO_API_KEY, value: ${KEY}}]`],
    ['Postman variable', `"variable": [{"key": "demoApiKey", "value": "${KEY}", "type": "string"}]`],
    ['name/value JSON inside a string', `"[{\\"name\\":\\"DEMO_API_KEY\\",\\"value\\":\\"${KEY}\\"}]"`],
    ['Compose environment list', `services:\n  web:\n    environment:\n      - DEMO_API_KEY=${KEY}\n`],
    ['kubectl --from-literal', `kubectl create secret generic demo --from-literal=DEMO_API_KEY=${KEY}`],
    ['Markdown table', `| Setting | Value |\n|---|---|\n| demo_api_key | ${KEY} |`],
    ['Markdown table, the name in a middle cell', `| Logs | demo_api_key | ${KEY} |`],
    ['a dash in a note', `* DEMO_API_KEY - ${KEY}`],
    ['an en dash in a note', `demoApiKey \u2013 ${KEY}`],
    ['Hadoop configuration XML', `<property>\n  <name>demo.api.key</name>\n  <value>${KEY}</value>\n</property>`],
  ])('%s', (_syntax, text) => {
    expect(found(text)).toEqual([KEY]);
  });

  it.each([
    ['a comparison', `if (demoApiKey == "${KEY}") {}`],
    ['a list of names', `["demo_api_key", "${KEY}"]`],
    ['a variable passed beside the name', `check(demoApiKey, "${KEY}")`],
    ['a name third in a list that is not a Gradle field', `["String", "DEMO_API_KEY", "${KEY}"]`],
    ['a word after the name in prose', `the demo api key ${KEY} is`],
    ['space after the name outside ENV, ARG and flags', `DEMO_API_KEY ${KEY}`],
    ['a handle in the middle of a line', `ping @demo_api_key ${KEY}`],
    ['a quoted word after the name in the middle of a line', `print demo_api_key "${KEY}"`],
    ['an unquoted word after the name at the start of a line', `demo_api_key ${KEY} rotated`],
    ['a value after a blank line in YAML', `demo_api_key:\n\n${KEY}`],
    ['a table cell that is not the next one', `| demo_api_key | string | ${KEY} |`],
    ['a dash without spaces', `demo-api-key-${KEY}`],
    ['a Kubernetes valueFrom reference', `env:\n  - name: DEMO_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: demo\n        key: ${KEY}\n`],
    ['a Kubernetes env value that is a variable', `env:\n  - name: DEMO_API_KEY\n    value: \${DEMO_KEY_${KEY}}\n`],
    ['a value field after a field that is not the name', `- image: DEMO_API_KEY\n  value: ${KEY}\n`],
    ['a value field after a blank line', `- name: DEMO_API_KEY\n\n  value: ${KEY}\n`],
    ['a value field two fields later', `- name: DEMO_API_KEY\n  description: the key\n  value: ${KEY}\n`],
    ['a Hadoop value after another element', `<name>demo.api.key</name>\n<description>x</description>\n<value>${KEY}</value>`],
    ['too many lines between a Terraform variable and its default', `variable "demo_api_key" {\n  type = string\n  type = string\n  type = string\n  type = string\n  type = string\n  default = "${KEY}"\n}`],
  ])('not %s', (_syntax, text) => {
    expect(found(text)).toEqual([]);
  });

  it('cannot backtrack catastrophically', () => {
    expect(catastrophicBacktracking(GRAMMAR['assign']!, 'i')).toBeUndefined();
    expect(catastrophicBacktracking(GRAMMAR['assign']!, '')).toBeUndefined();
  });

  it('compiles with every flag a rule may use', () => {
    for (const flags of ['', 'i', 'm', 's', 'u', 'imsu']) expect(() => new RegExp(GRAMMAR['assign']!, flags)).not.toThrow();
  });
});

describe('expandGrammar', () => {
  it('replaces a reference with its piece in a non-capturing group', () => {
    expect(expandGrammar('key(?&assign)"').ok && expandGrammar('key(?&assign)"')).toEqual({ ok: true, source: `key(?:${GRAMMAR['assign']})"` });
  });

  it('leaves an escaped parenthesis alone', () => {
    expect(expandGrammar(String.raw`key\(?&assign)`)).toEqual({ ok: true, source: String.raw`key\(?&assign)` });
    expect(expandGrammar(String.raw`key\\(?&assign)`)).toEqual({ ok: true, source: `key\\\\(?:${GRAMMAR['assign']})` });
  });

  it('names an unknown piece and the known ones', () => {
    expect(expandGrammar('key(?&asign)')).toEqual({ ok: false, reason: 'unknown grammar piece (?&asign) (known: (?&assign))' });
  });

  it('reports an unknown piece in a rule file as one problem naming the rule and field', () => {
    const parsed = parseRuleText('my-rules.toml', `[[rules]]\nid = "mine"\nregex = '''token(?&asign)(\\w{20})'''\nkeywords = ["token"]\n`);
    expect(parsed.problems).toEqual([{ file: 'my-rules.toml', ruleId: 'mine', field: 'regex', message: 'unknown grammar piece (?&asign) (known: (?&assign))' }]);
  });

  it('is not applied to gitleaks configurations, whose RE2 has no such syntax', () => {
    const parsed = parseRuleText('.gitleaks.toml', `[[rules]]\nid = "mine"\nregex = '''token(?&assign)(\\w{20})'''\n`, 'gitleaks');
    expect(parsed.rules).toEqual([]);
    expect(parsed.warnings).toHaveLength(1);
  });
});
