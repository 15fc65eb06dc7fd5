import { Badge, Button, Group, Modal, Paper, SimpleGrid, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";
import type { Address, TaxId } from "../../customers.js";
import { formatInstant } from "../../format.js";
import {
  type AddressDraft,
  AddressFields,
  addressBody,
  addressDraft,
  TaxIdFields,
} from "../customers/customer-form.js";

/**
 * The companies that sell: the seller printed on invoices and credit notes,
 * the country they are established in for VAT, and the prefixes of their
 * number series. Customers are assigned to one on their profile.
 */

export interface LegalEntity {
  object: "legal_entity";
  id: string;
  legal_name: string;
  address: Address | null;
  tax_ids: TaxId[];
  country: string;
  email: string | null;
  phone: string | null;
  payment_instructions: string | null;
  invoice_prefix: string;
  credit_note_prefix: string;
  created_at: string;
  updated_at: string;
}

export const legalEntitiesQuery = {
  queryKey: ["legal_entities"],
  queryFn: () => api.get<List<LegalEntity>>("/v1/legal_entities"),
};

const COLUMNS = 6;

export function LegalEntitiesPage() {
  const entities = useQuery(legalEntitiesQuery);
  const [editing, setEditing] = useState<LegalEntity | "new" | null>(null);
  const rows = entities.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Legal entities"
        description="The companies that sell: who the seller is on each invoice and credit note, where it is established for VAT, and its number series. A change reaches new documents only; issued ones keep the seller they were issued with."
        actions={<Button onClick={() => setEditing("new")}>New legal entity</Button>}
      />
      <ErrorAlert error={entities.error} title="The legal entities could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Entity</Table.Th>
              <Table.Th>Country</Table.Th>
              <Table.Th>Invoice numbers</Table.Th>
              <Table.Th>Credit note numbers</Table.Th>
              <Table.Th>Payment instructions</Table.Th>
              <Table.Th>Updated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entities.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {rows.map((entity) => (
              <Table.Tr
                key={entity.id}
                className="clickable-row"
                data-entity={entity.id}
                onClick={() => setEditing(entity)}
              >
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={500}>
                      {entity.legal_name}
                    </Text>
                    {entity.id === "default" ? (
                      <Badge size="xs" variant="light">
                        Default
                      </Badge>
                    ) : null}
                  </Group>
                  <Text size="xs" c="dimmed" className="mono">
                    {entity.id}
                  </Text>
                </Table.Td>
                <Table.Td className="mono">{entity.country}</Table.Td>
                <Table.Td className="mono">{`${entity.invoice_prefix}-YYYY-000001`}</Table.Td>
                <Table.Td className="mono">{`${entity.credit_note_prefix}-YYYY-000001`}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {entity.payment_instructions ?? "—"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(entity.updated_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {editing === null ? null : (
        <LegalEntityModal
          key={editing === "new" ? "new" : editing.id}
          entity={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  );
}

interface EntityDraft {
  id: string;
  legal_name: string;
  country: string;
  address: AddressDraft;
  tax_id: { type: TaxId["type"]; value: string };
  email: string;
  phone: string;
  payment_instructions: string;
  invoice_prefix: string;
  credit_note_prefix: string;
}

function draftOf(entity: LegalEntity | null): EntityDraft {
  const taxId = entity?.tax_ids[0];
  return {
    id: entity?.id ?? "",
    legal_name: entity?.legal_name ?? "",
    country: entity?.country ?? "",
    address: addressDraft(entity?.address ?? null),
    tax_id: { type: taxId?.type ?? "eu_vat", value: taxId?.value ?? "" },
    email: entity?.email ?? "",
    phone: entity?.phone ?? "",
    payment_instructions: entity?.payment_instructions ?? "",
    invoice_prefix: entity?.invoice_prefix ?? "INV",
    credit_note_prefix: entity?.credit_note_prefix ?? "CN",
  };
}

/** The request body; blanks clear optional fields. Only the first tax id is edited here; others are kept. */
function bodyOf(draft: EntityDraft, entity: LegalEntity | null) {
  const blank = (value: string) => (value.trim() === "" ? null : value.trim());
  const firstTaxId = draft.tax_id.value.trim() === "" ? [] : [{ type: draft.tax_id.type, value: draft.tax_id.value }];
  const otherTaxIds = (entity?.tax_ids ?? []).slice(1).map(({ type, value }) => ({ type, value }));
  return {
    legal_name: draft.legal_name.trim(),
    country: draft.country.trim().toUpperCase(),
    address: addressBody(draft.address),
    tax_ids: [...firstTaxId, ...otherTaxIds],
    email: blank(draft.email),
    phone: blank(draft.phone),
    payment_instructions: blank(draft.payment_instructions),
    invoice_prefix: draft.invoice_prefix.trim(),
    credit_note_prefix: draft.credit_note_prefix.trim(),
  };
}

function LegalEntityModal(props: { entity: LegalEntity | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<EntityDraft>(() => draftOf(props.entity));
  const creating = props.entity === null;
  const save = useMutation({
    mutationFn: () =>
      creating
        ? api.post<LegalEntity>("/v1/legal_entities", { id: draft.id.trim(), ...bodyOf(draft, null) })
        : api.post<LegalEntity>(`/v1/legal_entities/${props.entity?.id}`, bodyOf(draft, props.entity)),
    onSuccess: async (entity) => {
      notifications.show({
        color: "teal",
        title: creating ? "Legal entity created" : "Saved",
        message: entity.legal_name,
      });
      await queryClient.invalidateQueries({ queryKey: ["legal_entities"] });
      props.onClose();
    },
  });
  const set = (key: keyof EntityDraft) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const error = (param: string) => fieldError(save.error, param);
  return (
    <Modal opened onClose={props.onClose} size="lg" title={creating ? "New legal entity" : `Edit ${props.entity?.id}`}>
      <Stack gap="sm">
        <ErrorAlert error={save.error} title="Not saved" />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label="Id"
            description="A short slug; it never changes"
            placeholder="example-uk"
            disabled={!creating}
            value={draft.id}
            onChange={set("id")}
            error={error("id")}
          />
          <TextInput
            label="Legal name"
            required
            value={draft.legal_name}
            onChange={set("legal_name")}
            error={error("legal_name")}
          />
          <TextInput
            label="VAT country"
            description="Where it is established for VAT (two letters)"
            maxLength={2}
            required
            value={draft.country}
            onChange={set("country")}
            error={error("country")}
          />
          <TextInput label="Email" value={draft.email} onChange={set("email")} error={error("email")} />
          <TextInput
            label="Invoice prefix"
            description="INV gives INV-2026-000123; a new prefix starts at 1"
            value={draft.invoice_prefix}
            onChange={set("invoice_prefix")}
            error={error("invoice_prefix")}
          />
          <TextInput
            label="Credit note prefix"
            description="Must differ from the invoice prefix"
            value={draft.credit_note_prefix}
            onChange={set("credit_note_prefix")}
            error={error("credit_note_prefix")}
          />
        </SimpleGrid>
        <AddressFields
          value={draft.address}
          onChange={(address) => setDraft({ ...draft, address })}
          error={save.error}
          param="address"
        />
        <TaxIdFields
          value={draft.tax_id}
          onChange={(tax_id) => setDraft({ ...draft, tax_id })}
          error={save.error}
          param="tax_ids.0"
        />
        <TextInput label="Phone" value={draft.phone} onChange={set("phone")} error={error("phone")} />
        <Textarea
          label="Payment instructions"
          description="Printed under the totals of every invoice"
          autosize
          minRows={2}
          value={draft.payment_instructions}
          onChange={set("payment_instructions")}
          error={error("payment_instructions")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {creating ? "Create entity" : "Save"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
