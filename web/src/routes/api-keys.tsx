import { Badge, Button, Group, Modal, Paper, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { type ApiKey, api, type List, ROLES } from "../api.js";
import { Pager } from "../components/pager.js";
import { SecretOnceModal } from "../components/secret.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../components/ui.js";
import { formatInstant, humanize } from "../format.js";

const route = getRouteApi("/signed-in/developers/api-keys");
const PAGE_SIZE = 25;

export function ApiKeysPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const { include_revoked, ...cursor } = search;
  const keys = useQuery({
    queryKey: ["api_keys", search],
    queryFn: () => api.get<List<ApiKey>>("/v1/api_keys", { ...search, limit: PAGE_SIZE }),
  });
  const rows = keys.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let programs use the API with a role's permissions. A key's secret is shown once, when it is created."
        actions={<Button onClick={() => setCreating(true)}>Create key</Button>}
      />
      <Switch
        mb="sm"
        label="Show revoked keys"
        checked={include_revoked === "true"}
        onChange={(event) => void navigate({ search: event.currentTarget.checked ? { include_revoked: "true" } : {} })}
      />
      <ErrorAlert error={keys.error} title="The keys could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover data-testid="api-keys-table">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Key</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.isPending ? <MessageRow columns={7}>Loading…</MessageRow> : null}
            {keys.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={7}>No API keys yet.</MessageRow>
            ) : null}
            {rows.map((key) => (
              <Table.Tr key={key.id}>
                <Table.Td fw={500}>{key.name}</Table.Td>
                <Table.Td>
                  <Badge variant="outline" color="gray" size="sm">
                    {humanize(key.role)}
                  </Badge>
                </Table.Td>
                <Table.Td className="mono">{key.hint ?? `…${key.last_four}`}</Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(key.created_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={key.last_used_at === null ? "dimmed" : undefined}>
                    {key.last_used_at === null ? "Never" : formatInstant(key.last_used_at)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {key.revoked_at === null ? (
                    <Badge color="teal" variant="light" size="sm">
                      Active
                    </Badge>
                  ) : (
                    <Badge color="red" variant="light" size="sm" title={formatInstant(key.revoked_at)}>
                      Revoked {formatInstant(key.revoked_at).split(",")[0]}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  {key.revoked_at === null ? (
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => setRevoking(key)}>
                      Revoke
                    </Button>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={keys.data?.has_more ?? false}
        noun={["key", "keys"]}
        onPage={(next) => void navigate({ search: { include_revoked, ...next } })}
      />
      <CreateKeyModal opened={creating} onClose={() => setCreating(false)} />
      <RevokeKeyModal apiKey={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}

function CreateKeyModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<string | null>("developer");
  const create = useMutation({
    mutationFn: () => api.post<ApiKey & { secret: string }>("/v1/api_keys", { name: name.trim(), role }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["api_keys"] }),
  });
  const close = () => {
    // Forget the secret on close: it must not be shown a second time.
    create.reset();
    setName("");
    setRole("developer");
    props.onClose();
  };
  return (
    <SecretOnceModal
      opened={props.opened}
      onClose={close}
      title="Create an API key"
      createdTitle="Key created"
      created={create.data}
      error={create.error}
      errorTitle="The key was not created"
      submitLabel="Create key"
      submitting={create.isPending}
      onSubmit={() => create.mutate()}
      what="key's secret"
      intro={(created) => (
        <>
          <b>{created.name}</b> ({humanize(created.role)}) is ready. Use it as{" "}
          <Text span className="mono">
            Authorization: Bearer &lt;secret&gt;
          </Text>
          .
        </>
      )}
    >
      <TextInput
        label="Name"
        description="What uses the key, so you can tell keys apart later: “Warehouse sync (prod)”."
        value={name}
        onChange={(event) => setName(event.currentTarget.value)}
        error={fieldError(create.error, "name")}
        data-autofocus
      />
      <Select
        label="Role"
        description="The key can do what this role may do. It cannot be more powerful than your own role."
        data={ROLES.map((value) => ({ value, label: humanize(value) }))}
        value={role}
        onChange={setRole}
        allowDeselect={false}
        error={fieldError(create.error, "role")}
      />
    </SecretOnceModal>
  );
}

function RevokeKeyModal(props: { apiKey: ApiKey | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => api.post<ApiKey>(`/v1/api_keys/${encodeURIComponent(id)}/revoke`),
    onSuccess: async (key) => {
      notifications.show({ color: "teal", title: "Key revoked", message: `${key.name} no longer works.` });
      await queryClient.invalidateQueries({ queryKey: ["api_keys"] });
      close();
    },
  });
  const close = () => {
    revoke.reset();
    props.onClose();
  };
  const key = props.apiKey;
  return (
    <Modal opened={key !== null} onClose={close} title="Revoke this key?">
      {key === null ? null : (
        <Stack gap="sm">
          <ErrorAlert error={revoke.error} title="The key was not revoked" />
          <Text size="sm">
            <b>{key.name}</b> (<span className="mono">{key.hint ?? `…${key.last_four}`}</span>) stops working on its
            next request. Anything still using it will get 401 errors. This cannot be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Keep the key
            </Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoke.mutate(key.id)}>
              Revoke key
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
