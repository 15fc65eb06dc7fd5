import { createTheme } from "@mantine/core";

/** A calm, dense theme for people who work in the app all day. */
export const theme = createTheme({
  primaryColor: "indigo",
  defaultRadius: "sm",
  fontFamily:
    'Inter, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", "DejaVu Sans", system-ui, -apple-system, sans-serif',
  fontFamilyMonospace:
    '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace',
  headings: { fontWeight: "600", sizes: { h1: { fontSize: "1.375rem", lineHeight: "1.3" } } },
  components: {
    Table: { defaultProps: { fz: "sm", verticalSpacing: 6, horizontalSpacing: "sm" } },
    TextInput: { defaultProps: { size: "sm" } },
    Badge: { defaultProps: { radius: "sm" } },
  },
});
