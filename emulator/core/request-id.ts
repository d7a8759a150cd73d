import { randomUUID } from "crypto";

/** A request id shaped like the clouds' own: an upper-case UUID (Alibaba style). */
export function newRequestId(): string {
    return randomUUID().toUpperCase();
}
