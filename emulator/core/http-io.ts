import type * as http from "http";

/** Largest request body any emulated API accepts; the real APIs take far less. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a whole request body; rejects bodies over `MAX_BODY_BYTES`. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                reject(new RangeError(`request body larger than ${MAX_BODY_BYTES} bytes`));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

/** Writes a JSON response with the given status. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json;charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
}

const REASONS: Record<number, string> = { 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" };

/** Writes the plain HTML error page a gateway answers for an upstream failure (a fault with `html: true`). */
export function sendGatewayHtml(res: http.ServerResponse, status: number): void {
    const title = `${status} ${REASONS[status] ?? "Error"}`;
    const text = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>gateway</center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(text) });
    res.end(text);
}

/** Drops the client's connection without an answer (a fault with `reset`). */
export function resetConnection(res: http.ServerResponse): void {
    const socket = res.socket;
    if (!socket) return;
    // A TCP RST, as a dropped load-balancer connection looks to the client.
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
}
