import { Alert, Badge, Group, Paper, Stack, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api } from "../../api.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import {
  type ScriptVersion,
  type ScriptWithVersions,
  scriptPath,
  VERSION_COLORS,
  VERSION_LABELS,
  versionPath,
} from "../../scripts.js";
import { BacktestPanel } from "./backtest-panel.js";
import { DraftWorkspace } from "./draft-workspace.js";
import { LuaEditor } from "./lazy-lua-editor.js";
import { caseDrafts, TestCasesEditor } from "./test-cases-editor.js";
import { TestResults } from "./test-results.js";

/** One version of a charge script: the editor while it is a draft, read-only after; and its backtest. */

const route = getRouteApi("/signed-in/scripts/$id/versions/$version");

export function useScript(id: string) {
  return useQuery({ queryKey: ["script", id], queryFn: () => api.get<ScriptWithVersions>(scriptPath(id)) });
}

export function VersionPage() {
  const { id, version: versionId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const script = useScript(id);
  const version = useQuery({
    queryKey: ["script_version", versionId],
    queryFn: () => api.get<ScriptVersion>(versionPath(id, versionId)),
  });
  if (version.data === undefined)
    return version.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={version.error} title="The script version could not be loaded" />
    );
  const current = version.data;
  const tab = search.tab ?? "editor";
  return (
    <>
      <PageHeader
        title={`${script.data?.name ?? "Charge script"} · version ${current.number}`}
        description={
          <Group gap="xs" component="span">
            <AppLink to={`/scripts/${id}`}>All versions</AppLink>
            <span>·</span>
            <Id value={current.id} />
            <span>· by {current.author_name ?? current.author}</span>
            <span>· changed {formatInstant(current.updated_at)}</span>
          </Group>
        }
        actions={
          <Badge size="lg" variant="light" color={VERSION_COLORS[current.status]} data-testid="version-status">
            {VERSION_LABELS[current.status]}
          </Badge>
        }
      />
      <StatusNote version={current} />
      <Tabs
        value={tab}
        onChange={(next) => void navigate({ search: next === null || next === "editor" ? {} : { tab: next } })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="editor">{current.status === "draft" ? "Edit and test" : "Source and tests"}</Tabs.Tab>
          <Tabs.Tab value="backtest">Backtest</Tabs.Tab>
        </Tabs.List>
        <Paper withBorder radius="sm" p="md">
          <Tabs.Panel value="editor">
            {current.status === "draft" ? (
              <DraftWorkspace key={current.id} version={current} />
            ) : (
              <FrozenVersion version={current} />
            )}
          </Tabs.Panel>
          <Tabs.Panel value="backtest">
            <BacktestPanel version={current} />
          </Tabs.Panel>
        </Paper>
      </Tabs>
    </>
  );
}

function StatusNote(props: { version: ScriptVersion }) {
  const version = props.version;
  if (version.status === "pending_approval")
    return (
      <Alert color="yellow" variant="light" mb="md" data-testid="pending-approval">
        <Text size="sm">
          Waiting for approval by someone other than {version.author_name ?? "its author"}; frozen until then. Rejecting
          it returns it to draft. <AppLink to="/approvals?status=pending">Open approvals</AppLink>
        </Text>
      </Alert>
    );
  if (version.status === "published")
    return (
      <Alert color="teal" variant="light" mb="md">
        <Text size="sm">
          Published {formatInstant(version.published_at)}; rates events from {formatInstant(version.effective_from)}.
          Published versions never change: to change the script, start a new draft from the script's page.
        </Text>
      </Alert>
    );
  if (version.status === "superseded")
    return (
      <Alert color="gray" variant="light" mb="md">
        <Text size="sm">
          Superseded {formatInstant(version.superseded_at)}. It still rates late events dated between{" "}
          {formatInstant(version.effective_from)} and the next version's start.
        </Text>
      </Alert>
    );
  return null;
}

function FrozenVersion(props: { version: ScriptVersion }) {
  const version = props.version;
  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Title order={4}>Source</Title>
        <LuaEditor value={version.source} readOnly />
      </Stack>
      {version.notes === null ? null : (
        <Text size="sm">
          <b>Notes:</b> {version.notes}
        </Text>
      )}
      <Stack gap={4}>
        <Title order={4}>Test cases</Title>
        <TestCasesEditor
          drafts={caseDrafts(version.test_cases)}
          onChange={() => undefined}
          readOnly
          problem={null}
          apiParam={null}
        />
      </Stack>
      <TestResults run={version.tests} cases={version.test_cases} label="Last run" />
    </Stack>
  );
}
