import { Alert, Button, Code, CopyButton, Group, Stack, Text } from "@mantine/core";

/** A secret shown once, at creation: copy it now, it is stored hashed and never shown again. */
export function SecretReveal(props: { secret: string; what: string }) {
  return (
    <Stack gap="sm">
      <Alert color="yellow" variant="light" title="Copy this secret now" role="status">
        <Text size="sm">
          This is the only time the {props.what} is shown. Accrue keeps only a hash of it; if it is lost, create a new
          one and revoke this one.
        </Text>
      </Alert>
      <Group gap="xs" wrap="nowrap" align="stretch">
        <Code
          block
          data-testid="revealed-secret"
          style={{ flex: 1, wordBreak: "break-all", whiteSpace: "pre-wrap", fontSize: "0.85rem" }}
        >
          {props.secret}
        </Code>
        <CopyButton value={props.secret}>
          {({ copied, copy }) => (
            <Button onClick={copy} color={copied ? "teal" : "indigo"} variant={copied ? "light" : "filled"} miw={90}>
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}
