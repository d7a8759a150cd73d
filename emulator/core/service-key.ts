import type { InstanceSpec, ServiceKey } from "./types";

/** Which emulated service owns an instance spec (`cloud` + `service`). */
export function serviceKeyForInstance(spec: Pick<InstanceSpec, "cloud" | "service">): ServiceKey {
    if (spec.cloud === "alicloud") {
        if (spec.service !== undefined && spec.service !== "rds") throw new TypeError(`alicloud has no emulated service "${spec.service}" (only rds)`);
        return "alicloudRds";
    }
    if (spec.cloud === "huaweicloud") return spec.service === "geminidb" ? "huaweicloudGeminidb" : "huaweicloudRds";
    throw new TypeError(`unknown cloud "${String(spec.cloud)}" (alicloud or huaweicloud)`);
}
