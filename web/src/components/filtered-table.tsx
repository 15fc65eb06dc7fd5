import { Button, Group, Paper, SegmentedControl, Table, Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import type { List } from "../api.js";
import { isNotFound } from "./billing-ui.js";
import { type Cursor, Pager } from "./pager.js";
import { ErrorAlert, MessageRow, PageHeader } from "./ui.js";

/**
 * The layout of a list page: its header (with a "New …" button opening a
 * create dialog), a filter bar, the API's error, a table of one page of rows
 * (loading and empty rows included) and the cursor pager under it. Pages say
 * what their rows show; the layout and its behaviour are the same everywhere.
 */

export type Column = string | { label: string; align?: "right"; width?: number };

export interface FilteredTableProps<T extends { id: string }> {
  title: string;
  description?: ReactNode;
  /** Header buttons beside the create button. */
  actions?: ReactNode;
  /** The create button and the dialog it opens; the dialog is mounted only while open. */
  create?: { label: string; dialog: (close: () => void) => ReactNode };
  /** The filter bar above the table. */
  filters?: ReactNode;
  query: UseQueryResult<List<T>>;
  errorTitle: string;
  /** Shown instead of the error when the server has no such list (a 404). */
  notFoundMessage?: string;
  columns: readonly Column[];
  empty: ReactNode;
  cells: (row: T) => ReactNode;
  /** Opens the row; clicks on links inside it still follow the link. */
  onRowClick?: (row: T) => void;
  /** Extra attributes of a row, e.g. `data-script` for tests and styles. */
  rowAttributes?: (row: T) => Record<string, string>;
  tableTestId?: string;
  pager: { cursor: Cursor; noun: [string, string]; onPage: (cursor: Cursor) => void };
  /** Dialogs and drawers of the page other than the create dialog. */
  children?: ReactNode;
}

export function FilteredTable<T extends { id: string }>(props: FilteredTableProps<T>) {
  const [creating, setCreating] = useState(false);
  const { query, columns } = props;
  const rows = query.data?.data ?? [];
  const create = props.create;
  const actions =
    create === undefined && props.actions === undefined ? undefined : (
      <>
        {props.actions}
        {create === undefined ? null : <Button onClick={() => setCreating(true)}>{create.label}</Button>}
      </>
    );
  return (
    <>
      <PageHeader title={props.title} description={props.description} actions={actions} />
      {props.filters}
      {props.notFoundMessage !== undefined && isNotFound(query.error) ? (
        <Text size="sm" c="dimmed" mb="sm">
          {props.notFoundMessage}
        </Text>
      ) : (
        <ErrorAlert error={query.error} title={props.errorTitle} />
      )}
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover data-testid={props.tableTestId}>
          <Table.Thead className="table-head">
            <Table.Tr>
              {columns.map((column, index) =>
                typeof column === "string" ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: headers are fixed per page; some are blank
                  <Table.Th key={index}>{column}</Table.Th>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: as above
                  <Table.Th key={index} ta={column.align} w={column.width}>
                    {column.label}
                  </Table.Th>
                ),
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.isPending ? <MessageRow columns={columns.length}>Loading…</MessageRow> : null}
            {query.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={columns.length}>{props.empty}</MessageRow>
            ) : null}
            {rows.map((row) => (
              <ListRow key={row.id} row={row} onClick={props.onRowClick} attributes={props.rowAttributes?.(row)}>
                {props.cells(row)}
              </ListRow>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={props.pager.cursor}
        rows={rows}
        hasMore={query.data?.has_more ?? false}
        noun={props.pager.noun}
        onPage={props.pager.onPage}
      />
      {create !== undefined && creating ? create.dialog(() => setCreating(false)) : null}
      {props.children}
    </>
  );
}

function ListRow<T>(props: {
  row: T;
  onClick: ((row: T) => void) | undefined;
  attributes: Record<string, string> | undefined;
  children: ReactNode;
}) {
  const onClick = props.onClick;
  if (onClick === undefined) return <Table.Tr {...props.attributes}>{props.children}</Table.Tr>;
  return (
    <Table.Tr
      {...props.attributes}
      className="clickable-row"
      onClick={(event) => {
        if ((event.target as HTMLElement).closest("a") !== null) return;
        onClick(props.row);
      }}
    >
      {props.children}
    </Table.Tr>
  );
}

/** A row of choices above a list (status, kind), kept in the page address by the page. */
export function SegmentFilter(props: {
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return <SegmentedControl mb="md" size="sm" value={props.value} onChange={props.onChange} data={[...props.options]} />;
}

/** Filter fields with Apply and Clear: the page keeps the applied filters in its address. */
export function FilterForm(props: { onApply: () => void; onClear: () => void; children: ReactNode }) {
  const apply = (event: FormEvent) => {
    event.preventDefault();
    props.onApply();
  };
  return (
    <form onSubmit={apply}>
      <Group gap="sm" mb="md" align="flex-end">
        {props.children}
        <Button type="submit">Apply</Button>
        <Button variant="subtle" color="gray" onClick={props.onClear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
