import { Alert, Button, Group, Stack, Text, Textarea, Title, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api } from "../../api.js";
import { ErrorAlert } from "../../components/ui.js";
import {
  errorLineOf,
  firstErrorLine,
  type ScriptPublishRequest,
  type ScriptVersion,
  type TestRun,
  versionPath,
} from "../../scripts.js";
import { LuaEditor } from "./lazy-lua-editor.js";
import {
  type CaseDraft,
  type CaseProblem,
  caseDrafts,
  casesOf,
  isCaseProblem,
  TestCasesEditor,
} from "./test-cases-editor.js";
import { TestResults } from "./test-results.js";

/**
 * Editing a draft version: the Lua source, its test cases, and three
 * actions. Save stores both and shows the test run the API makes on save;
 * Run tests tries what is on screen without saving; Publish asks a second
 * person's approval and is offered only once the saved cases pass.
 */

interface LastRun {
  run: TestRun;
  /** Whether it ran what is saved (on save, or the stored run) or what was on screen. */
  saved: boolean;
}

export function useRefreshScript(script: string) {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ["script", script] });
    await queryClient.invalidateQueries({ queryKey: ["script_version"] });
    await queryClient.invalidateQueries({ queryKey: ["scripts"] });
  };
}

function bodyOf(source: string, drafts: CaseDraft[], notes: string) {
  return { source, test_cases: casesOf(drafts), notes: notes.trim() === "" ? null : notes.trim() };
}

export function DraftWorkspace(props: { version: ScriptVersion }) {
  const version = props.version;
  const path = versionPath(version.script, version.id);
  const refresh = useRefreshScript(version.script);
  const [source, setSource] = useState(version.source);
  const [drafts, setDrafts] = useState<CaseDraft[]>(() => caseDrafts(version.test_cases));
  const [notes, setNotes] = useState(version.notes ?? "");
  const [dirty, setDirty] = useState(false);
  const [problem, setProblem] = useState<CaseProblem | null>(null);
  const [last, setLast] = useState<LastRun | null>(
    version.tests.run_at === null ? null : { run: version.tests, saved: true },
  );

  const guard = <T,>(work: () => Promise<T>) => {
    setProblem(null);
    try {
      return work();
    } catch (error) {
      if (isCaseProblem(error)) setProblem(error);
      throw error;
    }
  };
  const save = useMutation({
    mutationFn: () => guard(() => api.post<ScriptVersion>(path, bodyOf(source, drafts, notes))),
    onSuccess: async (saved) => {
      setDirty(false);
      setLast({ run: saved.tests, saved: true });
      notifications.show({
        color: saved.tests.status === "failing" ? "orange" : "teal",
        title: "Draft saved",
        message: `Version ${saved.number}: ${saved.tests.passed} passed, ${saved.tests.failed} failed`,
      });
      await refresh();
    },
  });
  const test = useMutation({
    mutationFn: () => guard(() => api.post<TestRun>(`${path}/test`, { source, test_cases: casesOf(drafts) })),
    onSuccess: (run) => setLast({ run, saved: !dirty }),
  });
  const publish = useMutation({
    mutationFn: () => api.post<ScriptPublishRequest>(`${path}/publish`, {}),
    onSuccess: async () => {
      notifications.show({ color: "teal", title: "Sent for approval", message: "A second person approves it." });
      await refresh();
    },
  });
  // One action's outcome on screen at a time: an old save error must not mark a line after a new run.
  const start = (action: { mutate: () => void }) => {
    for (const other of [save, test, publish]) other.reset();
    action.mutate();
  };
  const change =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setDirty(true);
    };

  const actionError = save.error ?? test.error ?? publish.error;
  const apiError = actionError instanceof ApiError ? actionError : null;
  const errorLine =
    (apiError !== null && apiError.param === "source" ? errorLineOf(apiError.message) : null) ??
    (last === null ? null : firstErrorLine(last.run.results));
  const savedFailing = version.tests.status === "failing";
  const publishBlocked = dirty
    ? "Save the draft first"
    : savedFailing
      ? "Publishing waits until every test passes"
      : null;

  return (
    <Stack gap="md" data-testid="draft-workspace">
      <Stack gap={4}>
        <Group justify="space-between">
          <Title order={4}>Source</Title>
          {errorLine === null ? null : (
            <Text size="sm" c="red" data-testid="error-line">
              Error at line {errorLine}
            </Text>
          )}
        </Group>
        <LuaEditor value={source} onChange={change(setSource)} errorLine={errorLine} />
      </Stack>
      <Stack gap={4}>
        <Title order={4}>Test cases</Title>
        <TestCasesEditor
          drafts={drafts}
          onChange={change(setDrafts)}
          readOnly={false}
          problem={problem}
          apiParam={apiError?.param ?? null}
        />
      </Stack>
      <Textarea
        label="Notes for the approver"
        placeholder="Pick-line fee per line instead of per order"
        autosize
        minRows={1}
        value={notes}
        onChange={(event) => change(setNotes)(event.currentTarget.value)}
      />
      {problem === null ? null : (
        <Alert color="red" variant="light" role="alert">
          <Text size="sm">A test case's JSON could not be read: {problem.message}</Text>
        </Alert>
      )}
      <ErrorAlert
        error={isCaseProblem(actionError) ? null : actionError}
        title={publish.error !== null ? "Not sent for approval" : save.error !== null ? "Not saved" : "Tests not run"}
      />
      <Group justify="flex-end">
        {dirty ? (
          <Text size="xs" c="dimmed">
            Unsaved changes
          </Text>
        ) : null}
        <Button variant="default" loading={test.isPending} onClick={() => start(test)}>
          Run tests
        </Button>
        <Button variant="default" loading={save.isPending} disabled={!dirty} onClick={() => start(save)}>
          Save
        </Button>
        <Tooltip label={publishBlocked} disabled={publishBlocked === null}>
          <Button loading={publish.isPending} disabled={publishBlocked !== null} onClick={() => start(publish)}>
            Publish
          </Button>
        </Tooltip>
      </Group>
      {last === null ? null : (
        <TestResults
          run={last.run}
          cases={last.saved ? version.test_cases : safeCases(drafts)}
          label={last.saved ? "Saved version" : "Tried without saving"}
        />
      )}
    </Stack>
  );
}

function safeCases(drafts: CaseDraft[]) {
  try {
    return casesOf(drafts);
  } catch {
    return [];
  }
}
