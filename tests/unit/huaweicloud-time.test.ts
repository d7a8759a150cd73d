import { strict as assert } from "assert";
import { kilobytesToBytes, parseHuaweiTime } from "../../provider/clouds/huaweicloud/time";
import { localTime, offsetTime, parseQueryTime, spaceTime } from "../../emulator/protocols/huaweicloud-time";

describe("Huawei time and size parsing", () => {
    it("reads RDS times with +0800-style offsets", () => {
        assert.equal(parseHuaweiTime("2018-08-06T12:41:14+0800"), "2018-08-06T04:41:14.000Z");
        assert.equal(parseHuaweiTime("2018-08-06T12:41:14-0130"), "2018-08-06T14:11:14.000Z");
    });

    it("reads GeminiDB v3 `yyyy-mm-dd hh:mm:ss` as UTC", () => {
        assert.equal(parseHuaweiTime("2018-08-06 12:41:14"), "2018-08-06T12:41:14.000Z");
    });

    it("reads job times with +0000, ISO Z, +08:00 and fractions", () => {
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01+0000"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01Z"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T14:44:01+08:00"), "2023-09-12T06:44:01.000Z");
        assert.equal(parseHuaweiTime("2023-09-12T06:44:01.25Z"), "2023-09-12T06:44:01.250Z");
        assert.equal(parseHuaweiTime("2016-09-12T01:17:05"), "2016-09-12T01:17:05.000Z", "no offset = UTC");
    });

    it("returns undefined for empty or unreadable times instead of throwing", () => {
        for (const v of [undefined, null, "", "yesterday", "2018-13-45T99:00:00Z"]) assert.equal(parseHuaweiTime(v), undefined, String(v));
    });

    it("converts kB to bytes with 1024 and tolerates strings and gaps", () => {
        assert.equal(kilobytesToBytes(2), 2048);
        assert.equal(kilobytesToBytes("1.5"), 1536);
        assert.equal(kilobytesToBytes(0), 0);
        assert.equal(kilobytesToBytes(undefined), undefined);
        assert.equal(kilobytesToBytes("n/a"), undefined);
    });

    it("the emulator writes each documented shape with its own code, and the provider reads every one back", () => {
        const ms = Date.parse("2018-08-06T04:41:14Z");
        const written = [offsetTime(ms, 480), offsetTime(ms, 0), offsetTime(ms, -90), spaceTime(ms), localTime(ms)];
        assert.deepEqual(written, ["2018-08-06T12:41:14+0800", "2018-08-06T04:41:14+0000", "2018-08-06T03:11:14-0130", "2018-08-06 04:41:14", "2018-08-06T04:41:14"]);
        for (const text of written) assert.equal(parseHuaweiTime(text), new Date(ms).toISOString(), text);
    });

    it("the emulator reads query times only in the shape the API documents", () => {
        const ms = Date.parse("2018-08-06T04:41:14Z");
        assert.equal(parseQueryTime("2018-08-06T12:41:14+0800", "offset"), ms);
        assert.equal(parseQueryTime("2018-08-06 04:41:14", "space"), ms);
        for (const [text, form] of [["2018-08-06 04:41:14", "offset"], ["2018-08-06T04:41:14Z", "offset"], ["2018-08-06T04:41:14+0000", "space"], ["2018-13-06 04:41:14", "space"]] as const) {
            assert.equal(parseQueryTime(text, form), undefined, `${text} as ${form}`);
        }
    });
});
