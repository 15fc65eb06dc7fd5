import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import type { FormEvent, ReactNode } from "react";
import { ErrorAlert } from "./ui.js";

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

/**
 * A create dialog whose result holds a secret shown once: the form first,
 * then, once created, what was made and its secret with a copy button.
 * `onClose` must forget the result (reset the mutation), so the secret is
 * never shown a second time.
 */
export function SecretOnceModal<T extends { secret: string }>(props: {
  opened: boolean;
  onClose: () => void;
  title: string;
  createdTitle: string;
  created: T | undefined;
  error: unknown;
  errorTitle: string;
  submitLabel: string;
  submitting: boolean;
  onSubmit: () => void;
  /** The form's fields. */
  children: ReactNode;
  /** One line on what was created and how to use the secret. */
  intro: (created: T) => ReactNode;
  /** The secret's name in the warning: "key's secret", "signing secret". */
  what: string;
}) {
  const created = props.created;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit();
  };
  return (
    <Modal
      opened={props.opened}
      onClose={props.onClose}
      title={created === undefined ? props.title : props.createdTitle}
      size="lg"
    >
      {created === undefined ? (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <ErrorAlert error={props.error} title={props.errorTitle} />
            {props.children}
            <Group justify="flex-end" mt="sm">
              <Button variant="default" onClick={props.onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={props.submitting}>
                {props.submitLabel}
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="sm">
          <Text size="sm">{props.intro(created)}</Text>
          <SecretReveal secret={created.secret} what={props.what} />
          <Group justify="flex-end">
            <Button onClick={props.onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
