// Preloaded (`node --import`) into @modelcontextprotocol/server-everything in
// the tests: that server calls `listen(PORT)`, i.e. on every interface; this
// makes a port-only listen() bind 127.0.0.1 so the test server is never
// reachable from outside the machine.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const portOnly =
    (typeof args[0] === "number" || typeof args[0] === "string") &&
    (args.length === 1 || typeof args[1] === "function");
  if (portOnly) {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
