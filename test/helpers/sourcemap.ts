/** Source-map building blocks for tests that write their own maps. */
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 VLQ, as source maps encode each segment field. */
export function vlq(values: readonly number[]): string {
  return values
    .map((value) => {
      let rest = value < 0 ? (-value << 1) | 1 : value << 1;
      let out = '';
      do {
        let digit = rest & 31;
        rest >>>= 5;
        if (rest > 0) digit |= 32;
        out += BASE64[digit];
      } while (rest > 0);
      return out;
    })
    .join('');
}
