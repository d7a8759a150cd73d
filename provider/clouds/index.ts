/** Picks and caches the adapter for a resource's cloud, service and region. */
import type { BackupAdapter, CloudName, ServiceName } from "./adapter";
import type { Settings } from "../config";
import { AlicloudRdsAdapter } from "./alicloud/rds";
import { HuaweicloudRdsAdapter } from "./huaweicloud/rds";
import { HuaweicloudGeminidbAdapter } from "./huaweicloud/geminidb";

export interface Target { cloud: CloudName; service: ServiceName; region?: string }

/** Builds adapters from settings; one adapter (and its keep-alive connections) per target. */
export class AdapterFactory {
    private readonly cache = new Map<string, BackupAdapter>();
    constructor(private readonly settings: Settings) { }

    /** Throws `MissingSettingError` when credentials for the target are not configured. */
    get(target: Target): BackupAdapter {
        const key = `${target.cloud}/${target.service}/${target.region ?? ""}`;
        let adapter = this.cache.get(key);
        if (!adapter) {
            adapter = this.build(target);
            this.cache.set(key, adapter);
        }
        return adapter;
    }

    private build(target: Target): BackupAdapter {
        const options = { retry: this.settings.retryPacing() };
        if (target.cloud === "alicloud") return new AlicloudRdsAdapter(this.settings.alicloud(target.region), options);
        const settings = this.settings.huaweicloud(target.service, target.region);
        return target.service === "geminidb" ? new HuaweicloudGeminidbAdapter(settings, options) : new HuaweicloudRdsAdapter(settings, options);
    }
}
