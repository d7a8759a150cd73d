import { startWorld } from "../tests/support/world";
import { ALL_INSTANCES, CASES } from "../tests/lifecycle/cases";
import { ManualBackup } from "../dist/sdk";
(async () => {
  const which = process.argv[2];
  const c = CASES.find(x => x.title.includes(which))!;
  const w = await startWorld(ALL_INSTANCES, { latencyMs: 12.5, timeScale: 0.25 });
  const lines: string[] = []; const t0 = Date.now(); const engine = w.newEngine({ config: { ...w.config, "dbbackups:pollInterval": "500ms" }, onLog: (l: string) => lines.push(`${((Date.now()-t0)/1000).toFixed(1)} ${l}`) });


  const up = await engine.up(() => { for (let i = 0; i < 4; i++) new ManualBackup(`seq${i}`, { ...c.args, instanceId: c.instanceB }); });
  console.log(up.ok, up.errors);
  for (const r of engine.state.resources) console.log(r.outputs.startedAt, r.outputs.finishedAt, r.outputs.backupId);
  console.log(lines.join("\n"));
  const calls = await w.admin.calls(); console.log(JSON.stringify(calls[c.serviceKey]));
  await w.close();
})();
