/**
 * Hardcoded keys found by how code uses them, shared by the DEX and class-file readers: which calls
 * consume a key, IV, password or credential header (the sinks), and which calls hand a constant on
 * unchanged (`String.getBytes`, `toCharArray`, Base64 decoding). A constant that reaches a sink is
 * a key whatever it looks like (`"This is the super secret key 123"`), so the bytecode readers
 * report it as a string keyed by the use, and rules in `rules/hardcoded-use.toml` decide the finding.
 */
import type { ExtractedString } from '../strings.js';

/** What a sink does with the value: the rendered key starts with it (`key for javax.crypto...`). */
export type UseRole = 'key' | 'iv' | 'password' | 'authorization';

export interface Sink {
  readonly role: UseRole;
  /** Which declared parameter (0-based, not counting `this`) holds the value. */
  readonly parameter: number;
  /** For header setters: the parameter that must be a constant naming an authorization header. */
  readonly headerName?: number;
}

const AUTHORIZATION_HEADER = /^(?:proxy-)?authorization$/i;

const CONNECTIONS = ['Ljava/net/URLConnection;', 'Ljava/net/HttpURLConnection;', 'Ljavax/net/ssl/HttpsURLConnection;'];
const SQLCIPHER = ['Lnet/sqlcipher/database/SQLiteDatabase;', 'Lnet/zetetic/database/sqlcipher/SQLiteDatabase;'];
const SQLCIPHER_HELPERS = ['Lnet/sqlcipher/database/SQLiteOpenHelper;', 'Lnet/zetetic/database/sqlcipher/SQLiteOpenHelper;'];

/** `class->name` → sink. Cipher.init and Mac.init take a Key object: the constant is caught where SecretKeySpec builds it. */
export const SINKS: ReadonlyMap<string, Sink> = new Map<string, Sink>([
  ['Ljavax/crypto/spec/SecretKeySpec;-><init>', { role: 'key', parameter: 0 }],
  ['Ljavax/crypto/spec/DESKeySpec;-><init>', { role: 'key', parameter: 0 }],
  ['Ljavax/crypto/spec/DESedeKeySpec;-><init>', { role: 'key', parameter: 0 }],
  ['Ljavax/crypto/spec/IvParameterSpec;-><init>', { role: 'iv', parameter: 0 }],
  ['Ljavax/crypto/spec/GCMParameterSpec;-><init>', { role: 'iv', parameter: 1 }],
  ['Ljavax/crypto/spec/PBEKeySpec;-><init>', { role: 'password', parameter: 0 }],
  ['Ljava/security/KeyStore;->load', { role: 'password', parameter: 1 }],
  ['Ljava/security/KeyStore;->getKey', { role: 'password', parameter: 1 }],
  ['Ljava/net/PasswordAuthentication;-><init>', { role: 'password', parameter: 1 }],
  ['Lokhttp3/Credentials;->basic', { role: 'password', parameter: 1 }],
  ...SQLCIPHER.flatMap((owner) => ['openOrCreateDatabase', 'openDatabase'].map((name) => [`${owner}->${name}`, { role: 'password', parameter: 1 }] as const)),
  ...SQLCIPHER_HELPERS.flatMap((owner) => ['getWritableDatabase', 'getReadableDatabase'].map((name) => [`${owner}->${name}`, { role: 'password', parameter: 0 }] as const)),
  ...CONNECTIONS.flatMap((owner) => ['setRequestProperty', 'addRequestProperty'].map((name) => [`${owner}->${name}`, { role: 'authorization', parameter: 1, headerName: 0 }] as const)),
  ...['header', 'addHeader'].map((name) => [`Lokhttp3/Request$Builder;->${name}`, { role: 'authorization', parameter: 1, headerName: 0 }] as const),
]);

/** Calls whose result is the constant in another form; the value is `this` (-1) or a parameter. */
export const PASS_THROUGH: ReadonlyMap<string, number> = new Map([
  ['Ljava/lang/Object;->toString', -1],
  ['Ljava/lang/CharSequence;->toString', -1],
  ['Landroid/text/Editable;->toString', -1],
  ['Ljava/lang/String;->getBytes', -1],
  ['Ljava/lang/String;->toCharArray', -1],
  ['Ljava/lang/String;->trim', -1],
  ['Landroid/util/Base64;->decode', 0],
  ['Ljava/util/Base64$Decoder;->decode', 0],
]);

/** Calls that return what the user typed: text fields (not labels, whose text the app sets). */
export const USER_INPUT_SOURCES: ReadonlySet<string> = new Set([
  'Landroid/widget/EditText;->getText',
  'Landroidx/appcompat/widget/AppCompatEditText;->getText',
  'Lcom/google/android/material/textfield/TextInputEditText;->getText',
]);

/** String comparisons: a constant compared with what the user typed is a hardcoded password or PIN check. */
export const COMPARISONS: ReadonlySet<string> = new Set(['Ljava/lang/String;->equals', 'Ljava/lang/String;->equalsIgnoreCase', 'Ljava/lang/String;->contentEquals']);

/** The sink a comparison with user input is: the constant (receiver or argument) is a password. */
export const INPUT_COMPARISON: Sink = { role: 'password', parameter: 0 };

/** The header-name constant a header setter needs before its value counts as a credential. */
export function isAuthorizationHeader(name: string | undefined): boolean {
  return name !== undefined && AUTHORIZATION_HEADER.test(name);
}

/** `Ljavax/crypto/spec/SecretKeySpec;-><init>` → `javax.crypto.spec.SecretKeySpec.<init>`. */
export function sinkLabel(target: string): string {
  const [owner = '', name = ''] = target.split('->');
  return `${owner.replace(/^L|;$/g, '').replace(/\//g, '.')}.${name}`;
}

/**
 * The string a bytecode reader reports for a constant that reaches `target`: the value keyed by its
 * use (`key for javax.crypto.spec.SecretKeySpec.<init> = "..."`), placed at the constant and the sink;
 * `caller` is the method holding the constant when it reaches the sink's method as an argument.
 */
export function useString(value: string, table: string, index: number, target: string, sink: Sink, method: string, caller: string | undefined): ExtractedString {
  const label = sinkLabel(target);
  return { value, key: `${sink.role} for ${label}`, locator: { kind: 'use', table, index, sink: label, method, ...(caller === undefined ? {} : { caller }) } };
}

/**
 * What a register holds: a string index (>= 0: a DEX string_ids index, a class file's constant-pool index), or the value of the method's own parameter p,
 * written `-(p + 1)`, so that a parameter reaching a sink makes a summary callers can use.
 */
export type Held = number;

export function parameterMarker(parameter: number): Held {
  return -(parameter + 1);
}

/** What the user typed into a text field (USER_INPUT_SOURCES), as a register or slot holds it. */
export const USER_INPUT: Held = -0x7fffffff;

export function markedParameter(held: Held): number | undefined {
  return held < 0 && held !== USER_INPUT ? -held - 1 : undefined;
}

/** The constant of a comparison whose other side is user input, if it is one. */
export function comparedWithInput(receiver: Held | undefined, argument: Held | undefined): Held | undefined {
  if (receiver === USER_INPUT && argument !== undefined && argument >= 0) return argument;
  if (argument === USER_INPUT && receiver !== undefined && receiver >= 0) return receiver;
  return undefined;
}

/** A parameter of a method that reaches a sink: in that method or, through further calls, deeper. */
export interface ParameterSink {
  readonly parameter: number;
  readonly target: string;
  readonly sink: Sink;
  /** The method that calls the sink. */
  readonly where: string;
}

/**
 * What the whole file says beyond one method: fields that only ever hold one string constant (a key
 * set in a constructor and read in another method), and which parameters of each method reach a
 * sink. Both grow over passes until nothing changes.
 */
export class Facts<Field, Method> {
  /** A field → the one string index it is ever set to, or null when set to anything else. */
  private readonly fields = new Map<Field, number | null>();
  private readonly summaries = new Map<Method, ParameterSink[]>();
  changed = false;

  constructor(staticStrings: ReadonlyMap<Field, number>) {
    for (const [field, stringIndex] of staticStrings) this.fields.set(field, stringIndex);
  }

  write(field: Field, held: Held | undefined): void {
    const known = this.fields.get(field);
    const value = held === undefined || held < 0 ? null : held;
    if (known === null || known === value) return;
    this.fields.set(field, known === undefined ? value : null);
    this.changed = true;
  }

  constant(field: Field): number | undefined {
    return this.fields.get(field) ?? undefined;
  }

  summary(method: Method): readonly ParameterSink[] {
    return this.summaries.get(method) ?? [];
  }

  /** Every field that only ever holds one string constant, with that constant's string index. */
  *constants(): Generator<readonly [Field, number]> {
    for (const [field, value] of this.fields) if (value !== null) yield [field, value];
  }

  addSummary(method: Method, entry: ParameterSink): void {
    const list = this.summaries.get(method) ?? [];
    if (list.some((known) => known.parameter === entry.parameter && known.target === entry.target && known.where === entry.where)) return;
    list.push(entry);
    this.summaries.set(method, list);
    this.changed = true;
  }
}

/** Where a method's walk reports: undefined while passes only gather facts. */
export interface Reporting {
  readonly found: ExtractedString[];
  readonly reported: Set<string>;
}
