import { StreamLanguage } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { type Extension, RangeSetBuilder } from "@codemirror/state";
import { Decoration, EditorView } from "@codemirror/view";
import CodeMirror from "@uiw/react-codemirror";
import { useMemo } from "react";

/**
 * The Lua source in CodeMirror: Lua highlighting (CodeMirror's legacy Lua
 * mode), line numbers, and the line an error names marked in red, so the
 * analyst sees where the script broke without counting lines.
 */

const luaLanguage = StreamLanguage.define(lua);

const errorTheme = EditorView.baseTheme({
  ".cm-error-line": { backgroundColor: "rgba(250, 82, 82, 0.16)", boxShadow: "inset 3px 0 0 #fa5252" },
});

function errorLineMark(line: number): Extension {
  return EditorView.decorations.of((view) => {
    const builder = new RangeSetBuilder<Decoration>();
    // A line past the end (the source changed since the error) marks nothing.
    if (line >= 1 && line <= view.state.doc.lines) {
      const at = view.state.doc.line(line);
      builder.add(
        at.from,
        at.from,
        Decoration.line({ class: "cm-error-line", attributes: { "data-error-line": String(line) } }),
      );
    }
    return builder.finish();
  });
}

export function LuaEditor(props: {
  value: string;
  onChange?: (value: string) => void;
  errorLine?: number | null;
  readOnly?: boolean;
}) {
  const extensions = useMemo(() => {
    const list: Extension[] = [luaLanguage, errorTheme];
    if (props.errorLine !== undefined && props.errorLine !== null) list.push(errorLineMark(props.errorLine));
    return list;
  }, [props.errorLine]);
  return (
    <div data-testid="lua-editor" style={{ border: "1px solid var(--mantine-color-gray-4)", borderRadius: 4 }}>
      <CodeMirror
        value={props.value}
        minHeight="180px"
        maxHeight="560px"
        extensions={extensions}
        editable={props.readOnly !== true}
        readOnly={props.readOnly === true}
        basicSetup={{ lineNumbers: true, foldGutter: false, autocompletion: false }}
        onChange={(value) => props.onChange?.(value)}
      />
    </div>
  );
}
