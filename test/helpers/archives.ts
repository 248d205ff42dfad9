/** Archives built byte by byte at test time, including the malformed ones real tools refuse to write. */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

export interface ZipMember {
  readonly name: string;
  readonly content: string | Uint8Array;
  /** Default: deflate. */
  readonly stored?: boolean;
  /** Central-directory entries that point at this member's data again (an overlapping-entry bomb). */
  readonly aliases?: readonly string[];
  readonly encrypted?: boolean;
  /** The CRC-32 both headers record, when it should not be the content's. */
  readonly recordedCrc?: number;
}

export interface ZipOptions {
  /** Write it as zip64: 0xFFFFFFFF sizes and offsets with the real ones in extra field 1, and the zip64 end records. */
  readonly zip64?: boolean;
}

function bytesOf(content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

/** A zip with a central directory, optionally after `prefix` bytes (a CRX header, a stub). */
export function zip(members: readonly ZipMember[], prefix: Uint8Array = new Uint8Array(), options: ZipOptions = {}): Buffer {
  const wide = options.zip64 === true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const central = (name: Buffer, method: number, flags: number, crc: number, stored: number, size: number, at: number) => {
    const header = Buffer.alloc(46);
    const extra = Buffer.alloc(wide ? 28 : 0);
    if (wide) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(stored), 12);
      extra.writeBigUInt64LE(BigInt(at), 20);
    }
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(0x031e, 4);
    header.writeUInt16LE(wide ? 45 : 20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(wide ? 0xffffffff : stored, 20);
    header.writeUInt32LE(wide ? 0xffffffff : size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(wide ? 0xffffffff : at, 42);
    centrals.push(header, Buffer.concat([name, extra]));
  };
  for (const member of members) {
    const content = bytesOf(member.content);
    const data = member.stored ? content : deflateRawSync(content);
    const method = member.stored ? 0 : 8;
    const flags = 0x800 | (member.encrypted ? 1 : 0);
    const name = Buffer.from(member.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    const crc = member.recordedCrc ?? crc32(content);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(name.length, 26);
    central(name, method, flags, crc, data.length, content.length, offset);
    for (const alias of member.aliases ?? []) central(Buffer.from(alias, 'utf8'), method, flags, crc, data.length, content.length, offset);
    locals.push(local, name, data);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const count = centrals.length / 2;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  // Without zip64 a count past 65,535 keeps its low 16 bits, as old jar writers left it.
  end.writeUInt16LE(wide ? 0xffff : count & 0xffff, 8);
  end.writeUInt16LE(wide ? 0xffff : count & 0xffff, 10);
  end.writeUInt32LE(wide ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(wide ? 0xffffffff : offset, 16);
  if (!wide) return Buffer.concat([Buffer.from(prefix), ...locals, directory, end]);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directory.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([Buffer.from(prefix), ...locals, directory, record, locator, end]);
}

/** A ustar header block with any size field text (octal, or garbage no tar writes) and type flag. */
export function tarHeader(name: string, sizeField: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(sizeField, 124, 12, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(type, 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/** A POSIX ustar archive of regular files. */
export function tar(members: readonly { readonly name: string; readonly content: string | Uint8Array }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const content = bytesOf(member.content);
    blocks.push(tarHeader(member.name, `${content.length.toString(8).padStart(11, '0')}\0`), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

export function gzip(content: string | Uint8Array): Buffer {
  return gzipSync(bytesOf(content));
}

/** A CRX3 header (magic, version, header length, header bytes) in front of a zip. */
export function crx(zipBytes: Uint8Array): Buffer {
  const proof = Buffer.from('0a0b0c0d0e0f', 'hex');
  const head = Buffer.alloc(12);
  head.write('Cr24', 0, 'latin1');
  head.writeUInt32LE(3, 4);
  head.writeUInt32LE(proof.length, 8);
  return Buffer.concat([head, proof, Buffer.from(zipBytes)]);
}

/** An Electron asar: pickle sizes, JSON header, then the files back to back; `unpacked` files live beside it. */
export function asar(files: Readonly<Record<string, string>>, unpacked: readonly string[] = []): Buffer {
  const tree: { files: Record<string, unknown> } = { files: {} };
  for (const name of unpacked) tree.files[name] = { size: 1, unpacked: true };
  const contents: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const content = Buffer.from(text, 'utf8');
    const parts = name.split('/');
    let node = tree;
    for (const folder of parts.slice(0, -1)) {
      node.files[folder] ??= { files: {} };
      node = node.files[folder] as typeof tree;
    }
    node.files[parts.at(-1)!] = { size: content.length, offset: String(offset) };
    contents.push(content);
    offset += content.length;
  }
  return asarWithHeader(JSON.stringify(tree), Buffer.concat(contents));
}

/** An asar around any header text, even one the asar tool would never write. */
export function asarWithHeader(header: string, body: Uint8Array = new Uint8Array()): Buffer {
  const json = Buffer.from(header, 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((4 - (json.length % 4)) % 4)]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(4, 0);
  head.writeUInt32LE(padded.length + 8, 4);
  head.writeUInt32LE(padded.length + 4, 8);
  head.writeUInt32LE(json.length, 12);
  return Buffer.concat([head, padded, Buffer.from(body)]);
}
