// Preloaded into the CLI by tests (node --import): any TCP connection or DNS lookup the process
// starts is written to stderr as "socket-guard: ..." before it goes ahead, so a test can prove
// that a run opened none. Worker threads share net.Socket.prototype only per thread, so the
// tests run with --threads 1 too; workers never touch the network in any case.
import dns from 'node:dns';
import net from 'node:net';

const report = (what) => process.stderr.write(`socket-guard: ${what}\n`);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  report('connect');
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function guardedLookup(...args) {
  report('lookup');
  return lookup.apply(this, args);
};
