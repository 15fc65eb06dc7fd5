// Commands open their database through the kernel's runtime.
export { type Runtime, withRuntime } from "../kernel/runtime.js";
