/**
 * Preloaded (`node -r`) into the dynamic-provider hosts the tests start.
 * `@pulumi/pulumi` requires `typescript` when it loads, for closure
 * serialization and its provider analyzer, neither of which a dynamic-provider
 * host runs; loading it costs about 40% of a host's start-up CPU, and the
 * tests start a host for every operation. Here `require("typescript")` gives
 * an object that loads the real module on first use, so a host that uses it
 * still gets it whole.
 */
const Module = require("module");

const load = Module._load;
Module._load = function (request, parent, isMain) {
    if (request !== "typescript") return load.apply(this, arguments);
    let real;
    const ts = () => (real ??= load.call(this, request, parent, isMain));
    return new Proxy({}, {
        get: (_, key) => Reflect.get(ts(), key),
        has: (_, key) => Reflect.has(ts(), key),
        ownKeys: () => Reflect.ownKeys(ts()),
        getOwnPropertyDescriptor: (_, key) => {
            const d = Reflect.getOwnPropertyDescriptor(ts(), key);
            return d && { ...d, configurable: true };
        },
    });
};
