import { Skeleton } from "@mantine/core";
import { type ComponentProps, lazy, Suspense } from "react";

/**
 * The Lua editor, loaded when a script version is first opened: CodeMirror
 * is most of its weight, and the rest of the app never needs it.
 */

const Editor = lazy(() => import("./lua-editor.js").then((module) => ({ default: module.LuaEditor })));

export function LuaEditor(props: ComponentProps<typeof Editor>) {
  return (
    <Suspense fallback={<Skeleton height={180} />}>
      <Editor {...props} />
    </Suspense>
  );
}
