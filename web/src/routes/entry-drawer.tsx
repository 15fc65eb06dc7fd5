import { Anchor, Badge, Drawer, Group, Paper, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, type JournalEntry } from "../api.js";
import { Amount, ErrorAlert, Id } from "../components/ui.js";
import { formatInstant, humanize, sumAmounts } from "../format.js";

/** One journal entry: its lines, where it came from, and the entry that reverses it (or that it reverses). */
export function EntryDrawer(props: { entryId: string | undefined; onOpen: (id: string) => void; onClose: () => void }) {
  const entry = useQuery({
    queryKey: ["journal_entry", props.entryId],
    queryFn: () => api.get<JournalEntry>(`/v1/ledger/entries/${encodeURIComponent(props.entryId ?? "")}`),
    enabled: props.entryId !== undefined,
  });
  return (
    <Drawer
      opened={props.entryId !== undefined}
      onClose={props.onClose}
      position="right"
      size="xl"
      title={<Text fw={600}>Journal entry</Text>}
    >
      <ErrorAlert error={entry.error} title="The entry could not be loaded" />
      {entry.data === undefined ? null : <EntryDetail entry={entry.data} onOpen={props.onOpen} />}
    </Drawer>
  );
}

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase">
        {props.label}
      </Text>
      <Text size="sm" component="div">
        {props.children}
      </Text>
    </Stack>
  );
}

function EntryDetail(props: { entry: JournalEntry; onOpen: (id: string) => void }) {
  const { entry } = props;
  const currencies = [...new Set(entry.lines.map((line) => line.currency))];
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Id value={entry.id} />
        <EntryStatus entry={entry} />
      </Group>
      <SimpleGrid cols={2} spacing="sm">
        <Field label="Effective date">{entry.effective_date}</Field>
        <Field label="Posted">{formatInstant(entry.posted_at)}</Field>
        <Field label="Source">
          {humanize(entry.source_type)} <Id value={entry.source_id} />
        </Field>
        <Field label="Posted by">
          <Id value={entry.posted_by} />
        </Field>
        <Field label="Memo">{entry.memo === "" ? "—" : entry.memo}</Field>
      </SimpleGrid>
      {entry.reversed_by_entry_id === null ? null : (
        <ReversalLink label="Reversed by" id={entry.reversed_by_entry_id} onOpen={props.onOpen} />
      )}
      {entry.reverses_entry_id === null ? null : (
        <ReversalLink label="Reverses" id={entry.reverses_entry_id} onOpen={props.onOpen} />
      )}
      <Paper withBorder radius="sm">
        <Table>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Account</Table.Th>
              <Table.Th ta="right">Debit</Table.Th>
              <Table.Th ta="right">Credit</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entry.lines.map((line, index) => (
              // Lines have no id of their own; their order within the entry is stable.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <Table.Tr key={index}>
                <Table.Td>
                  <Text size="sm">
                    <Text span className="mono">
                      {line.account_code}
                    </Text>{" "}
                    {line.account_name}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={line.debit} currency={line.currency} dimZero />
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={line.credit} currency={line.currency} dimZero />
                </Table.Td>
              </Table.Tr>
            ))}
            {currencies.map((currency) => {
              const lines = entry.lines.filter((line) => line.currency === currency);
              return (
                <Table.Tr key={currency} className="table-foot">
                  <Table.Td>Total {currency}</Table.Td>
                  <Table.Td ta="right">
                    <Amount value={sumAmounts(lines.map((line) => line.debit))} currency={currency} strong />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Amount value={sumAmounts(lines.map((line) => line.credit))} currency={currency} strong />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

function ReversalLink(props: { label: string; id: string; onOpen: (id: string) => void }) {
  return (
    <Paper withBorder p="sm" radius="sm" bg="orange.0">
      <Text size="sm">
        {props.label}{" "}
        <Anchor component="button" type="button" className="mono" onClick={() => props.onOpen(props.id)}>
          {props.id}
        </Anchor>
      </Text>
    </Paper>
  );
}

export function EntryStatus(props: { entry: JournalEntry }) {
  if (props.entry.reversed_by_entry_id !== null) {
    return (
      <Badge size="sm" variant="light" color="orange">
        Reversed
      </Badge>
    );
  }
  if (props.entry.reverses_entry_id !== null) {
    return (
      <Badge size="sm" variant="light" color="grape">
        Reversal
      </Badge>
    );
  }
  return (
    <Badge size="sm" variant="light" color="teal">
      Posted
    </Badge>
  );
}
