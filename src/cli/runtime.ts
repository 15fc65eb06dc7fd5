// Commands open their database through the kernel's runtime.
export { withRuntime } from "../kernel/runtime.js";
