import * as fs from "fs";
import * as path from "path";
import type { ServiceKey } from "./types";

/** What the emulator writes to `statePath`: each service's snapshot and the clock offset. */
export interface PersistedState {
    version: 1;
    savedAt: string;
    clockOffsetMs: number;
    services: Partial<Record<ServiceKey, unknown>>;
}

/** Reads a state file; undefined when it does not exist. Throws when it exists but is not a state file. */
export function loadState(file: string): PersistedState | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
    }
    const state = JSON.parse(text) as PersistedState;
    if (!state || state.version !== 1 || typeof state.services !== "object") {
        throw new Error(`${file} is not an emulator state file (expected version 1)`);
    }
    return state;
}

/** Writes atomically (temp file + rename) so a crash never leaves half a state file. */
export function saveState(file: string, state: PersistedState): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    fs.renameSync(tmp, file);
}

/**
 * Coalesces bursts of changes into one write a few ms later; `flush()` writes
 * now (used by `stop()`). The timer is unref'd so it never keeps a process alive.
 */
export class DebouncedStateWriter {
    private timer: NodeJS.Timeout | undefined;
    private dirty = false;

    constructor(private readonly file: string, private readonly collect: () => PersistedState, private readonly delayMs = 25) {}

    /** Marks state as changed and schedules a write. */
    schedule(): void {
        this.dirty = true;
        if (this.timer) return;
        this.timer = setTimeout(() => this.flushQuietly(), this.delayMs);
        this.timer.unref();
    }

    /** Writes pending changes now; throws when the write fails. */
    flush(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (!this.dirty) return;
        this.dirty = false;
        saveState(this.file, this.collect());
    }

    private flushQuietly(): void {
        try {
            this.flush();
        } catch (err) {
            // A failed background write must not crash the emulator; stop() retries and reports.
            this.dirty = true;
            process.stderr.write(`emulator: could not save state to ${this.file}: ${(err as Error).message}\n`);
        }
    }
}
