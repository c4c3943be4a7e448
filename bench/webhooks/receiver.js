// A webhook receiver for bench/webhooks.sh: answers 204 at once and logs, per delivery, when it
// arrived (ms since the epoch), the change's commit instant from the body, and the webhook-id.
const http = require("http");
const fs = require("fs");
const [port, log] = process.argv.slice(2);
const out = fs.createWriteStream(log, { flags: "a" });
http
  .createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const arrived = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString());
      out.write(`${arrived} ${body.timestamp} ${request.headers["webhook-id"]}\n`);
      response.writeHead(204);
      response.end();
    });
  })
  .listen(Number(port), "127.0.0.1");
