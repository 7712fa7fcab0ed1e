// Loaded with `node --import` before a README example: every server it starts listens on a free
// port instead of the README's fixed one, and the first server's address is sent to the check.
import net from 'node:net';

const listen = net.Server.prototype.listen;
let reported = false;
net.Server.prototype.listen = function listenOnFreePort(...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) args[0] = 0;
  else if (typeof args[0] === 'object' && args[0] !== null && 'port' in args[0])
    args[0] = { ...args[0], port: 0 };
  this.once('listening', () => {
    const address = this.address();
    if (reported || address === null || typeof address !== 'object') return;
    reported = true;
    process.send?.({ port: address.port, family: address.family });
  });
  return listen.apply(this, args);
};
