import type { AccessCheck } from "@learnops/contracts/access";
import type { EnrolmentSource, EnrolmentStatus, PaymentState } from "@learnops/contracts/enrolment";

export const statusWords: Record<EnrolmentStatus, string> = {
  pending: "Pending",
  active: "Active",
  expired: "Expired",
  suspended: "Suspended",
  completed: "Completed",
  cancelled: "Cancelled",
  review_required: "Needs review",
};

export const statusTone: Record<EnrolmentStatus, "positive" | "critical" | "neutral"> = {
  pending: "neutral",
  active: "positive",
  expired: "critical",
  suspended: "critical",
  completed: "positive",
  cancelled: "critical",
  review_required: "neutral",
};

export const sourceWords: Record<EnrolmentSource, string> = {
  payment: "Payment",
  corporate_contract: "Corporate contract",
  manual_grant: "Manual grant",
  promotion: "Promotion",
  admin_override: "Admin enrolment",
  sso_provisioning: "Single sign-on",
  import: "Import",
};

export const paymentWords: Record<PaymentState, string> = {
  not_required: "Not required",
  pending: "Pending",
  paid: "Paid",
  refunded: "Refunded",
  failed: "Failed",
};

export const checkWords: Record<AccessCheck, string> = {
  course: "Course available",
  override: "Access overrides",
  enrolment: "Enrolment",
  payment: "Payment",
  expiry: "End of access",
  cohort: "Cohort dates",
  contract: "Corporate contract",
  client_group: "Client group",
  prerequisites: "Prerequisites",
};
