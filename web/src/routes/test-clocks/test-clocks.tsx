import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { formatUtc, type TestClock, utcInstant } from "../../billing.js";
import { BillingStatusBadge } from "../../components/billing-ui.js";
import { FilteredTable } from "../../components/filtered-table.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import { formatInstant } from "../../format.js";

const route = getRouteApi("/signed-in/test-clocks");
const PAGE_SIZE = 25;

export function TestClocksPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const clocks = useQuery({
    queryKey: ["test_clocks", search],
    queryFn: () => api.get<List<TestClock>>("/v1/test_clocks", { ...search, limit: PAGE_SIZE }),
  });
  return (
    <FilteredTable
      title="Test clocks"
      description="Simulated time for trying out billing: customers on a clock live at its frozen time, and advancing it bills what falls due, in a ledger book of its own."
      create={{ label: "New test clock", dialog: (close) => <CreateClockModal onClose={close} /> }}
      query={clocks}
      errorTitle="The test clocks could not be loaded"
      notFoundMessage="Test clocks are not available on this server."
      columns={["Name", "Frozen time", "Status", { label: "Customers", align: "right" }, "Created"]}
      empty="No test clock yet."
      onRowClick={(clock) => void navigate({ to: "/test-clocks/$id", params: { id: clock.id } })}
      cells={(clock) => <ClockCells clock={clock} />}
      pager={{ cursor: search, noun: ["clock", "clocks"], onPage: (next) => void navigate({ search: next }) }}
    />
  );
}

function ClockCells(props: { clock: TestClock }) {
  const clock = props.clock;
  return (
    <>
      <Table.Td>
        <Text size="sm" fw={500}>
          {clock.name}
        </Text>
        <Text size="xs" c="dimmed" className="mono">
          {clock.id}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatUtc(clock.frozen_time)}</Text>
      </Table.Td>
      <Table.Td>
        <BillingStatusBadge status={clock.status} />
      </Table.Td>
      <Table.Td ta="right" className="mono">
        {clock.customer_count}
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed">
          {formatInstant(clock.created_at)}
        </Text>
      </Table.Td>
    </>
  );
}

function CreateClockModal(props: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const [name, setName] = useState("");
  const [frozen, setFrozen] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api.post<TestClock>("/v1/test_clocks", { name: name.trim(), frozen_time: utcInstant(frozen) ?? frozen }),
    onSuccess: async (clock) => {
      notifications.show({ color: "teal", title: "Test clock created", message: clock.name });
      await queryClient.invalidateQueries({ queryKey: ["test_clocks"] });
      close();
      await navigate({ to: "/test-clocks/$id", params: { id: clock.id } });
    },
  });
  const close = () => {
    create.reset();
    setName("");
    setFrozen("");
    props.onClose();
  };
  return (
    <Modal opened onClose={close} title="New test clock">
      <Stack gap="sm">
        <ErrorAlert error={create.error} title="Not created" />
        <Alert color="blue" variant="light" p="xs">
          <Text size="sm">
            Create customers on the clock (from their form or the API), subscribe them, then advance the clock to see
            their invoices.
          </Text>
        </Alert>
        <TextInput
          label="Name"
          placeholder="Annual plan renewal"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={fieldError(create.error, "name")}
        />
        <TextInput
          type="datetime-local"
          label="Frozen time (UTC)"
          required
          value={frozen}
          onChange={(event) => setFrozen(event.currentTarget.value)}
          error={fieldError(create.error, "frozen_time")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={create.isPending} onClick={() => create.mutate()}>
            Create clock
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
