import { Badge, Button, Checkbox, Group, Modal, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { FilteredTable } from "../../components/filtered-table.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { publishedVersion, type Script, VERSION_LABELS } from "../../scripts.js";
import { useScript } from "./version-page.js";

/** Charge scripts: which customers each rates, the version in force and the one being prepared. */

const route = getRouteApi("/signed-in/scripts");
const PAGE_SIZE = 25;

export function ScriptsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const cursor = { starting_after: search.starting_after, ending_before: search.ending_before };
  const scripts = useQuery({
    queryKey: ["scripts", cursor],
    queryFn: () => api.get<List<Script>>("/v1/scripts", { ...cursor, limit: PAGE_SIZE }),
  });
  return (
    <FilteredTable
      title="Charge scripts"
      description="Lua scripts that turn usage events into charges with each customer's rate card. Each change is a new version, tested against its cases and published with a second person's approval."
      create={{ label: "New script", dialog: (close) => <NewScriptModal onClose={close} /> }}
      query={scripts}
      errorTitle="The scripts could not be loaded"
      tableTestId="scripts-table"
      columns={["Script", "Rates", "Published version", "Being prepared", "Changed"]}
      empty="No charge scripts yet."
      onRowClick={(script) => void navigate({ to: "/scripts/$id", params: { id: script.id }, search: {} })}
      rowAttributes={(script) => ({ "data-script": script.name })}
      cells={(script) => <ScriptCells script={script} />}
      pager={{ cursor, noun: ["script", "scripts"], onPage: (next) => void navigate({ search: next }) }}
    />
  );
}

function ScriptCells(props: { script: Script }) {
  const script = props.script;
  return (
    <>
      <Table.Td>
        <Text size="sm" fw={500}>
          {script.name}
        </Text>
        {script.description === null ? null : (
          <Text size="xs" c="dimmed" lineClamp={1}>
            {script.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {script.is_default ? (
          <Group gap={6} wrap="nowrap">
            <Badge size="sm" variant="light" color="indigo">
              Default
            </Badge>
            <Text size="xs" c="dimmed">
              customers without a script of their own
            </Text>
          </Group>
        ) : (
          <Text size="sm" c="dimmed">
            Assigned customers
          </Text>
        )}
      </Table.Td>
      <VersionCells id={script.id} />
      <Table.Td>
        <Text size="xs" c="dimmed">
          {formatInstant(script.updated_at)}
        </Text>
      </Table.Td>
    </>
  );
}

/** The list carries no versions, so each row reads its script's (few) versions. */
function VersionCells(props: { id: string }) {
  const script = useScript(props.id);
  const versions = script.data?.versions ?? [];
  const published = publishedVersion(versions);
  const open = versions.find((version) => version.status === "draft" || version.status === "pending_approval");
  return (
    <>
      <Table.Td>
        {published === undefined ? (
          <Text size="sm" c="dimmed">
            {script.isPending ? "…" : "None yet"}
          </Text>
        ) : (
          <Text size="sm">
            Version {published.number}
            <Text span size="xs" c="dimmed">
              {" "}
              since {formatInstant(published.effective_from)}
            </Text>
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {open === undefined ? (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ) : (
          <Badge size="sm" variant="light" color={open.status === "draft" ? "gray" : "yellow"}>
            Version {open.number}: {VERSION_LABELS[open.status]}
          </Badge>
        )}
      </Table.Td>
    </>
  );
}

function NewScriptModal(props: { onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [currency, setCurrency] = useState("");
  const [isDefault, setIsDefault] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      api.post<Script>("/v1/scripts", {
        name: name.trim(),
        ...(description.trim() === "" ? {} : { description: description.trim() }),
        ...(currency.trim() === "" ? {} : { currency: currency.trim().toUpperCase() }),
        is_default: isDefault,
      }),
    onSuccess: async (script) => {
      await queryClient.invalidateQueries({ queryKey: ["scripts"] });
      props.onClose();
      await navigate({ to: "/scripts/$id", params: { id: script.id }, search: {} });
    },
  });
  return (
    <Modal opened onClose={props.onClose} title="New charge script">
      <Stack gap="sm">
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(create.error, "name")}
        />
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={fieldError(create.error, "description")}
        />
        <TextInput
          label="Currency"
          description="Optional: the currency its rate cards price in"
          placeholder="USD"
          w={120}
          value={currency}
          onChange={(e) => setCurrency(e.currentTarget.value)}
          error={fieldError(create.error, "currency")}
        />
        <Checkbox
          label="Default script: rates every customer that has no script of its own"
          checked={isDefault}
          onChange={(e) => setIsDefault(e.currentTarget.checked)}
        />
        <ErrorAlert error={create.error} title="The script was not created" />
        <Button loading={create.isPending} onClick={() => create.mutate()}>
          Create script
        </Button>
      </Stack>
    </Modal>
  );
}
