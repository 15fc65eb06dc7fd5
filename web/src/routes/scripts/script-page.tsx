import { Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../api.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import {
  type ChargeScriptAssignment,
  type Script,
  type ScriptVersion,
  type ScriptWithVersions,
  STARTER_SOURCE,
  scriptPath,
  VERSION_COLORS,
  VERSION_LABELS,
  versionPath,
} from "../../scripts.js";
import { CustomerSelect } from "../invoices/customer-select.js";
import { useRefreshScript } from "./draft-workspace.js";
import { useScript } from "./version-page.js";

/** One charge script: its versions, newest first, a new draft from the latest, and which customers it rates. */

const route = getRouteApi("/signed-in/scripts/$id");
const TESTS_COLORS = { none: "gray", passing: "teal", failing: "red" } as const;

export function ScriptPage() {
  const { id } = route.useParams();
  const script = useScript(id);
  if (script.data === undefined)
    return script.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={script.error} title="The script could not be loaded" />
    );
  const current = script.data;
  return (
    <>
      <PageHeader
        title={current.name}
        description={
          <Group gap="xs" component="span">
            <Id value={current.id} />
            {current.currency === null ? null : <span>· {current.currency}</span>}
            {current.description === null ? null : <span>· {current.description}</span>}
          </Group>
        }
        actions={<NewDraftButton script={current} />}
      />
      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="md">
        <Paper withBorder radius="sm" p="md" style={{ gridColumn: "span 2" }}>
          <Title order={4} mb="sm">
            Versions
          </Title>
          <VersionsTable script={current} />
        </Paper>
        <Paper withBorder radius="sm" p="md">
          <Title order={4} mb="sm">
            Customers
          </Title>
          <Assignment script={current} />
        </Paper>
      </SimpleGrid>
    </>
  );
}

function VersionsTable(props: { script: ScriptWithVersions }) {
  const navigate = route.useNavigate();
  const { script } = props;
  return (
    <Table striped highlightOnHover data-testid="versions-table">
      <Table.Thead className="table-head">
        <Table.Tr>
          <Table.Th>Version</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th>Tests</Table.Th>
          <Table.Th>Effective from</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {script.versions.length === 0 ? <MessageRow columns={4}>No versions yet: start a draft.</MessageRow> : null}
        {script.versions.map((version) => (
          <Table.Tr
            key={version.id}
            className="clickable-row"
            data-version={version.number}
            onClick={() =>
              void navigate({
                to: "/scripts/$id/versions/$version",
                params: { id: script.id, version: version.id },
                search: {},
              })
            }
          >
            <Table.Td>
              <AppLink to={`/scripts/${script.id}/versions/${version.id}`}>Version {version.number}</AppLink>
            </Table.Td>
            <Table.Td>
              <Badge size="sm" variant="light" color={VERSION_COLORS[version.status]}>
                {VERSION_LABELS[version.status]}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Badge size="sm" variant="dot" color={TESTS_COLORS[version.tests_status]}>
                {version.tests_status === "none" ? "no cases" : version.tests_status}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{version.effective_from === null ? "—" : formatInstant(version.effective_from)}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Opens the draft being prepared, or starts one as a copy of the newest version (or a blank script). */
function NewDraftButton(props: { script: ScriptWithVersions }) {
  const navigate = route.useNavigate();
  const refresh = useRefreshScript(props.script.id);
  const open = props.script.versions.find((v) => v.status === "draft" || v.status === "pending_approval");
  const newest = props.script.versions[0];
  const start = useMutation({
    mutationFn: async () => {
      const base = newest === undefined ? null : await api.get<ScriptVersion>(versionPath(props.script.id, newest.id));
      return api.post<ScriptVersion>(`${scriptPath(props.script.id)}/versions`, {
        source: base?.source ?? STARTER_SOURCE,
        test_cases: base?.test_cases ?? [],
      });
    },
    onSuccess: async (draft) => {
      await refresh();
      await navigate({
        to: "/scripts/$id/versions/$version",
        params: { id: props.script.id, version: draft.id },
        search: {},
      });
    },
  });
  if (open !== undefined)
    return (
      <Button
        variant="light"
        onClick={() =>
          void navigate({
            to: "/scripts/$id/versions/$version",
            params: { id: props.script.id, version: open.id },
            search: {},
          })
        }
      >
        Open version {open.number} ({VERSION_LABELS[open.status].toLowerCase()})
      </Button>
    );
  return (
    <Stack gap={4} align="flex-end">
      <Button loading={start.isPending} onClick={() => start.mutate()}>
        {newest === undefined ? "Write the first version" : `New draft from version ${newest.number}`}
      </Button>
      <ErrorAlert error={start.error} title="No draft started" />
    </Stack>
  );
}

function Assignment(props: { script: Script }) {
  const queryClient = useQueryClient();
  const [customer, setCustomer] = useState<string | null>(null);
  const assign = useMutation({
    mutationFn: (body: { customer: string; script: string | null }) =>
      api.post<ChargeScriptAssignment>(`/v1/customers/${encodeURIComponent(body.customer)}/charge_script`, {
        script: body.script,
      }),
    onSuccess: async (result) => {
      notifications.show({
        color: "teal",
        title: result.source === "assigned" ? "Script assigned" : "Back to the default script",
        message: `The customer is rated by ${result.script === props.script.id ? props.script.name : "another script"}.`,
      });
      await queryClient.invalidateQueries({ queryKey: ["charge_script"] });
    },
  });
  const makeDefault = useMutation({
    mutationFn: () => api.post<Script>(scriptPath(props.script.id), { is_default: true }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["script", props.script.id] });
      await queryClient.invalidateQueries({ queryKey: ["scripts"] });
    },
  });
  return (
    <Stack gap="sm">
      {props.script.is_default ? (
        <Group gap={6} wrap="nowrap" align="flex-start">
          <Badge size="sm" variant="light" color="indigo">
            Default
          </Badge>
          <Text size="sm">Rates every customer that has no script of its own, and the customers assigned to it.</Text>
        </Group>
      ) : (
        <Group gap="xs">
          <Text size="sm">Rates the customers assigned to it.</Text>
          <Button
            size="compact-xs"
            variant="default"
            loading={makeDefault.isPending}
            onClick={() => makeDefault.mutate()}
          >
            Make it the default
          </Button>
        </Group>
      )}
      <CustomerSelect value={customer} onChange={setCustomer} label="Assign to a customer" w={320} />
      <Group gap="xs">
        <Button
          size="xs"
          disabled={customer === null}
          loading={assign.isPending}
          onClick={() => customer !== null && assign.mutate({ customer, script: props.script.id })}
        >
          Assign
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={customer === null}
          onClick={() => customer !== null && assign.mutate({ customer, script: null })}
        >
          Return to the default
        </Button>
      </Group>
      <ErrorAlert error={assign.error ?? makeDefault.error} title="Not changed" />
    </Stack>
  );
}
