/**
 * The project id of a region, from IAM's project list
 * (`GET /v3/projects?name=<region>`), as Huawei's SDKs and its Terraform and
 * Pulumi providers find it when only credentials and a region are configured.
 */
import type { HuaweicloudSettings } from "../adapter";
import { CloudError } from "../../core/errors";
import { HuaweicloudHttpClient } from "./http";

interface ProjectList { projects?: Array<{ id: string; name: string }> }

/** Credentials and the IAM endpoint to ask; `region` names the project. */
export type ProjectLookupSettings = Omit<HuaweicloudSettings, "projectId" | "projectIdLookup" | "endpoint"> & { region: string; iamEndpoint: string };

/** Asks IAM for the project named `region`; throws when there is none. */
export async function lookupProjectId(s: ProjectLookupSettings): Promise<string> {
    const client = new HuaweicloudHttpClient({ ...s, projectId: "", endpoint: s.iamEndpoint }, "Huawei Cloud IAM");
    const res = await client.call<ProjectList>({ method: "GET", path: "/v3/projects", query: { name: s.region } });
    const project = (res.body?.projects ?? []).find(p => p.name === s.region);
    if (!project) {
        throw new CloudError({
            service: "Huawei Cloud IAM", operation: "GET /v3/projects", code: "ProjectNotFound", kind: "client",
            cloudMessage: `these credentials see no project named ${s.region}; check huaweicloud:region, or set huaweicloud:project_id`,
        });
    }
    return project.id;
}
