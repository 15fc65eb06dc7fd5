import { Alert, Button, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.js";
import type { CreditNote } from "../../billing.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";

/**
 * Voids an issued credit note after a confirmation with a reason: the note
 * keeps its number, its entry is reversed and the invoice owes again what it
 * took off. The server refuses once the note's credit or refund was used.
 */
export function VoidCreditNoteButton(props: { note: CreditNote & { id: string } }) {
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState("");
  const voidNote = useMutation({
    mutationFn: () => api.post<CreditNote>(`/v1/credit_notes/${props.note.id}/void`, { reason: reason.trim() }),
    onSuccess: async (note) => {
      notifications.show({ color: "teal", title: "Credit note voided", message: note.number ?? note.id ?? "" });
      queryClient.setQueryData(["credit_note", props.note.id], note);
      await queryClient.invalidateQueries({ queryKey: ["credit_notes"] });
      await queryClient.invalidateQueries({ queryKey: ["invoice", note.invoice_id] });
      setOpened(false);
    },
  });
  const close = () => {
    voidNote.reset();
    setReason("");
    setOpened(false);
  };
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpened(true)}>
        Void credit note
      </Button>
      <Modal opened={opened} onClose={close} title={`Void ${props.note.number ?? "credit note"}`}>
        <Stack gap="sm">
          <ErrorAlert error={voidNote.error} title="Not voided" />
          <Alert color="orange" variant="light" p="xs">
            <Text size="sm">
              The note keeps its number and its PDF is marked VOID. Its posting is reversed today and the invoice owes
              again what the note took off.
            </Text>
          </Alert>
          <Textarea
            label="Reason"
            description="Printed on the PDF and kept in the audit log"
            autosize
            minRows={2}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            error={fieldError(voidNote.error, "reason")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red" loading={voidNote.isPending} onClick={() => voidNote.mutate()}>
              Void credit note
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
