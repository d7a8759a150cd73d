/**
 * Killing a process with everything it started, as when a CI runner or a
 * machine goes away. The Pulumi CLI starts its plugins in process groups of
 * their own, so killing its group alone would leave them running.
 */
import * as fs from "fs";

/** Parent pid of every process, read from /proc (Linux). */
function parents(): Map<number, number> {
    const map = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            // The command name (field 2) is in parentheses and may hold spaces; the parent pid follows the state.
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            map.set(Number(entry), ppid);
        } catch { /* the process ended meanwhile */ }
    }
    return map;
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
    const ppid = parents();
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) {
        for (const [child, parent] of ppid) if (parent === tree[i] && !tree.includes(child)) tree.push(child);
    }
    return tree;
}

/** Sends SIGKILL to `pid` and every process it started, all at once. */
export function killTree(pid: number): number[] {
    const tree = processTree(pid);
    for (const p of tree) {
        try { process.kill(p, "SIGKILL"); } catch { /* already gone */ }
    }
    return tree;
}
