// An HTTP/2 server on 127.0.0.1 built on node's own http2 module, for sentinel-stress --http2:
// h2c (prior knowledge) by default, h2 over TLS with --cert FILE --key FILE (ALPN h2 only).
//   /         200 "ok"
//   /slow     200 after 200 ms
// With --stats FILE it keeps {sessions, streams, maxConcurrent, alpn} (what it has served)
// in FILE, rewritten after every answer. Prints its port on the first line of stdout, then serves until killed.
"use strict";
const http2 = require("http2");
const fs = require("fs");

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const stats = { sessions: 0, streams: 0, maxConcurrent: 0, alpn: [] };
let open = 0;
const handler = (stream, headers) => {
  const path = headers[":path"];
  stats.streams += 1;
  open += 1;
  stats.maxConcurrent = Math.max(stats.maxConcurrent, open);
  const answer = () => {
    open -= 1;
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, "content-type": "text/plain" });
    stream.end("ok");
    if (option("--stats")) fs.writeFileSync(option("--stats"), JSON.stringify(stats));
  };
  // Drain the request body before answering.
  stream.on("data", () => {});
  stream.on("end", () => (path === "/slow" ? setTimeout(answer, 200) : answer()));
};
const server = option("--cert")
  ? http2.createSecureServer({ cert: fs.readFileSync(option("--cert")), key: fs.readFileSync(option("--key")), allowHTTP1: false })
  : http2.createServer();
server.on("session", (session) => {
  stats.sessions += 1;
  session.on("connect", () => {});
  if (session.alpnProtocol && !stats.alpn.includes(session.alpnProtocol)) stats.alpn.push(session.alpnProtocol);
});
server.on("stream", handler);
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
