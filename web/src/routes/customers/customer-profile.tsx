import {
  ActionIcon,
  Button,
  Checkbox,
  Divider,
  Group,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { api } from "../../api.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import { CONTACT_ROLES, type Contact, type Customer, customerPath, type TaxId } from "../../customers.js";
import { humanize } from "../../format.js";
import { legalEntitiesQuery } from "../legal-entities/legal-entities.js";
import {
  AddressFields,
  addressBody,
  addressDraft,
  PaymentTermsFields,
  TaxIdFields,
  termsBody,
  termsDraft,
} from "./customer-form.js";

/** Saves part of a customer; fields left out stay as they are on the server. */
function useUpdateCustomer(customer: Customer, what: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api.post<Customer>(customerPath(customer.id), body),
    onSuccess: (updated) => {
      queryClient.setQueryData(["customer", updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      void queryClient.invalidateQueries({ queryKey: ["customer_history", updated.id] });
      notifications.show({ color: "teal", message: `${what} saved.` });
    },
  });
}

function SaveRow(props: { pending: boolean; disabled?: boolean; extra?: ReactNode }) {
  return (
    <Group justify="flex-end" mt="sm">
      {props.extra}
      <Button type="submit" loading={props.pending} disabled={props.disabled}>
        Save changes
      </Button>
    </Group>
  );
}

const blankToNull = (value: string) => (value.trim() === "" ? null : value.trim());

export function ProfileTab(props: { customer: Customer }) {
  const customer = props.customer;
  const [draft, setDraft] = useState({
    legal_name: customer.legal_name,
    display_name: customer.display_name ?? "",
    external_id: customer.external_id ?? "",
    emails: customer.emails,
    currency: customer.currency,
    time_zone: customer.time_zone,
    locale: customer.locale,
    credit_limit: customer.credit_limit ?? "",
    po_required: customer.po_required,
    tags: customer.tags,
    terms: termsDraft(customer.payment_terms),
    legal_entity: customer.legal_entity ?? "default",
  });
  const entities = useQuery(legalEntitiesQuery);
  const entityOptions = (entities.data?.data ?? []).map((entity) => ({
    value: entity.id,
    label: `${entity.legal_name} (${entity.id})`,
  }));
  if (!entityOptions.some((option) => option.value === draft.legal_entity)) {
    entityOptions.push({ value: draft.legal_entity, label: draft.legal_entity });
  }
  const update = useUpdateCustomer(customer, "Profile");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      legal_name: draft.legal_name.trim(),
      display_name: blankToNull(draft.display_name),
      external_id: blankToNull(draft.external_id),
      emails: draft.emails,
      ...(draft.currency === customer.currency ? {} : { currency: draft.currency.trim().toUpperCase() }),
      time_zone: draft.time_zone.trim(),
      locale: draft.locale.trim(),
      credit_limit: blankToNull(draft.credit_limit),
      po_required: draft.po_required,
      tags: draft.tags,
      payment_terms: termsBody(draft.terms),
      ...(draft.legal_entity === (customer.legal_entity ?? "default") ? {} : { legal_entity: draft.legal_entity }),
    });
  };
  const set =
    (key: "legal_name" | "display_name" | "external_id" | "currency" | "time_zone" | "locale" | "credit_limit") =>
    (event: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [key]: event.currentTarget.value });
  const error = update.error;
  return (
    <form onSubmit={submit} noValidate>
      <ErrorAlert error={error} title="The profile was not saved" />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm" verticalSpacing="xs">
        <TextInput
          label="Legal name"
          value={draft.legal_name}
          onChange={set("legal_name")}
          error={fieldError(error, "legal_name")}
        />
        <TextInput
          label="Display name"
          value={draft.display_name}
          onChange={set("display_name")}
          error={fieldError(error, "display_name")}
        />
        <TagsInput
          label="Billing emails"
          description="Press Enter after each"
          value={draft.emails}
          onChange={(emails) => setDraft({ ...draft, emails })}
          error={fieldError(error, "emails")}
        />
        <TextInput
          label="External id"
          value={draft.external_id}
          onChange={set("external_id")}
          error={fieldError(error, "external_id")}
        />
        <TextInput
          label="Currency"
          description="Can change only before anything is billed"
          maxLength={3}
          value={draft.currency}
          onChange={set("currency")}
          error={fieldError(error, "currency")}
        />
        <TextInput
          label="Time zone"
          value={draft.time_zone}
          onChange={set("time_zone")}
          error={fieldError(error, "time_zone")}
        />
        <TextInput label="Locale" value={draft.locale} onChange={set("locale")} error={fieldError(error, "locale")} />
        <TextInput
          label="Credit limit"
          description={`In ${customer.currency}; blank for none`}
          inputMode="decimal"
          value={draft.credit_limit}
          onChange={set("credit_limit")}
          error={fieldError(error, "credit_limit")}
        />
        <PaymentTermsFields value={draft.terms} onChange={(terms) => setDraft({ ...draft, terms })} error={error} />
        <Select
          label="Legal entity"
          description="Bills the customer: seller details and number series of its next invoices and credit notes"
          data={entityOptions}
          allowDeselect={false}
          value={draft.legal_entity}
          onChange={(value) => value !== null && setDraft({ ...draft, legal_entity: value })}
          error={fieldError(error, "legal_entity")}
        />
        <TagsInput
          label="Tags"
          value={draft.tags}
          onChange={(tags) => setDraft({ ...draft, tags })}
          error={fieldError(error, "tags")}
        />
        <Checkbox
          label="Invoices need a purchase order number"
          checked={draft.po_required}
          onChange={(event) => setDraft({ ...draft, po_required: event.currentTarget.checked })}
          mt="sm"
        />
      </SimpleGrid>
      <SaveRow pending={update.isPending} disabled={customer.archived} />
    </form>
  );
}

type ContactDraft = { id?: string; name: string; email: string; role: Contact["role"]; phone: string };

export function ContactsTab(props: { customer: Customer }) {
  const [contacts, setContacts] = useState<ContactDraft[]>(
    props.customer.contacts.map((contact) => ({ ...contact, phone: contact.phone ?? "" })),
  );
  const update = useUpdateCustomer(props.customer, "Contacts");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      contacts: contacts.map((contact) => ({
        ...(contact.id === undefined ? {} : { id: contact.id }),
        name: contact.name.trim(),
        email: contact.email.trim(),
        role: contact.role,
        phone: blankToNull(contact.phone),
      })),
    });
  };
  const change = (index: number, patch: Partial<ContactDraft>) =>
    setContacts(contacts.map((contact, i) => (i === index ? { ...contact, ...patch } : contact)));
  const error = update.error;
  return (
    <form onSubmit={submit} noValidate>
      <Text size="sm" c="dimmed" mb="sm">
        People who receive invoices and answer billing questions. The list is saved whole.
      </Text>
      <ErrorAlert error={error} title="The contacts were not saved" />
      <Stack gap="xs">
        {contacts.length === 0 ? (
          <Text size="sm" c="dimmed">
            No billing contacts yet.
          </Text>
        ) : null}
        {contacts.map((contact, index) => (
          <Group key={contact.id ?? `new-${index}`} gap="sm" align="flex-start" wrap="nowrap">
            <TextInput
              label="Name"
              value={contact.name}
              onChange={(event) => change(index, { name: event.currentTarget.value })}
              error={fieldError(error, `contacts.${index}.name`)}
            />
            <TextInput
              label="Email"
              value={contact.email}
              onChange={(event) => change(index, { email: event.currentTarget.value })}
              error={fieldError(error, `contacts.${index}.email`)}
            />
            <Select
              label="Role"
              data={CONTACT_ROLES.map((role) => ({ value: role, label: humanize(role) }))}
              value={contact.role}
              allowDeselect={false}
              onChange={(role) => role !== null && change(index, { role: role as Contact["role"] })}
            />
            <TextInput
              label="Phone"
              value={contact.phone}
              onChange={(event) => change(index, { phone: event.currentTarget.value })}
              error={fieldError(error, `contacts.${index}.phone`)}
            />
            <ActionIcon
              mt={26}
              variant="subtle"
              color="red"
              aria-label="Remove contact"
              onClick={() => setContacts(contacts.filter((_, i) => i !== index))}
            >
              ✕
            </ActionIcon>
          </Group>
        ))}
      </Stack>
      <SaveRow
        pending={update.isPending}
        disabled={props.customer.archived}
        extra={
          <Button
            variant="default"
            onClick={() => setContacts([...contacts, { name: "", email: "", role: "billing", phone: "" }])}
          >
            Add contact
          </Button>
        }
      />
    </form>
  );
}

export function AddressesTab(props: { customer: Customer }) {
  const [billing, setBilling] = useState(addressDraft(props.customer.billing_address));
  const [shipping, setShipping] = useState(addressDraft(props.customer.shipping_address));
  const update = useUpdateCustomer(props.customer, "Addresses");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ billing_address: addressBody(billing), shipping_address: addressBody(shipping) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <ErrorAlert error={update.error} title="The addresses were not saved" />
      <Divider label="Billing address (on invoices; decides tax)" labelPosition="left" mb="xs" />
      <AddressFields value={billing} onChange={setBilling} error={update.error} param="billing_address" />
      <Divider label="Shipping address" labelPosition="left" my="xs" />
      <AddressFields value={shipping} onChange={setShipping} error={update.error} param="shipping_address" />
      <SaveRow pending={update.isPending} disabled={props.customer.archived} />
    </form>
  );
}

export function TaxIdsTab(props: { customer: Customer }) {
  const [taxIds, setTaxIds] = useState<{ type: TaxId["type"]; value: string }[]>(
    props.customer.tax_ids.map(({ type, value }) => ({ type, value })),
  );
  const update = useUpdateCustomer(props.customer, "Tax ids");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ tax_ids: taxIds.map((taxId) => ({ type: taxId.type, value: taxId.value.trim() })) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Text size="sm" c="dimmed" mb="sm">
        Checked for format and check digits when saved (VAT numbers by their country prefix).
      </Text>
      <ErrorAlert error={update.error} title="The tax ids were not saved" />
      <Stack gap="xs">
        {taxIds.length === 0 ? (
          <Text size="sm" c="dimmed">
            No tax ids.
          </Text>
        ) : null}
        {taxIds.map((taxId, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id until saved, and are edited in place
          <Group key={index} gap="sm" align="flex-start" wrap="nowrap">
            <TaxIdFields
              value={taxId}
              onChange={(next) => setTaxIds(taxIds.map((row, i) => (i === index ? next : row)))}
              error={update.error}
              param={`tax_ids.${index}`}
            />
            <ActionIcon
              mt={26}
              variant="subtle"
              color="red"
              aria-label="Remove tax id"
              onClick={() => setTaxIds(taxIds.filter((_, i) => i !== index))}
            >
              ✕
            </ActionIcon>
          </Group>
        ))}
      </Stack>
      <SaveRow
        pending={update.isPending}
        disabled={props.customer.archived}
        extra={
          <Button variant="default" onClick={() => setTaxIds([...taxIds, { type: "eu_vat", value: "" }])}>
            Add tax id
          </Button>
        }
      />
    </form>
  );
}
