"""The GraphQL documents of the day, as the mini-program, the portals and the admin console send them."""

from __future__ import annotations

# --- Accounts -----------------------------------------------------------------

LOGIN = """
mutation Login($account: String!, $password: String!) {
  tokenCreate(account: $account, password: $password) {
    tokens { accessToken }
    me { id role status }
    errors { field code message }
  }
}
"""

REGISTER = """
mutation Register($input: CourierRegisterInput!) {
  courierRegister(input: $input) { account { id status } errors { field code message } }
}
"""

PENDING_COURIERS = """
query Pending($first: Int!) { accounts(role: COURIER, status: PENDING, first: $first) { id maskedName } }
"""

APPROVE = """
mutation Approve($id: ID!) { userApprove(userId: $id) { account { id status } errors { field code message } } }
"""

STAFF_CREATE = """
mutation Staff($input: StaffCreateInput!) {
  staffCreate(input: $input) { account { id role } errors { field code message } }
}
"""

CATALOGUE = """
query Catalogue {
  departments { id code kind name }
  communities { id code name }
  categories { id code name nameZh points priority private isOther duplicateRadiusM }
  grants { department { code } category { code } }
  companies { code name }
}
"""

# --- Media and reports ---------------------------------------------------------

MEDIA_LIMITS = "query Limits { mediaLimits { kind maxBytes contentTypes } }"

UPLOAD_CREATE = """
mutation Slot($input: MediaUploadCreateInput!) {
  mediaUploadCreate(input: $input) {
    media { id status }
    upload { url fields { name value } fileField expiresAt }
    errors { field code message }
  }
}
"""

SUBMIT = """
mutation Submit($input: ReportSubmitInput!) {
  reportSubmit(input: $input) {
    report { id status createdAt category { code } community { code } }
    replyMessage emergencyCall replayed
    errors { field code message }
  }
}
"""

# The fields of every report that the checks and the summary read, as an admin or a department.
REPORT_FIELDS = """
  id status createdAt acceptedAt resolvedAt closedAt triageReason outsideCommunities duplicateOfId
  category { code private }
  community { code }
  departments { code }
  location { latitude longitude submittedCoordinateSystem }
  possibleDuplicates { id originalId status }
  media { id status displayUrl thumbnailUrl }
  timeline { kind }
"""

REPORTS = f"""
query Reports($filter: ReportFilterInput, $after: String) {{
  reports(filter: $filter, first: 100, after: $after) {{
    edges {{ node {{ {REPORT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

TRIAGE_QUEUE = """
query Triage($after: String) {
  triageQueue(first: 100, after: $after) {
    edges { node { id status triageReason otherText category { code } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

MY_REPORTS = """
query Mine($after: String) {
  myReports(first: 100, after: $after) {
    edges { node { id status timeline { kind comment } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

REPORT_BY_ID = "query One($id: ID!) { report(id: $id) { id } }"

MEDIA_BY_ID = "query OneMedia($id: ID!) { media(id: $id) { id } }"


def _action(name: str, arguments: str, variables: str) -> str:
    return (
        f"mutation Act({variables}) {{ {name}({arguments}) "
        "{ report { id status } errors { field code message } } }"
    )


ACCEPT = _action("reportAccept", "id: $id, comment: $text", "$id: ID!, $text: String!")
REPLY = _action("reportReply", "id: $id, text: $text", "$id: ID!, $text: String!")
NOTE = _action("reportNoteAdd", "id: $id, text: $text", "$id: ID!, $text: String!")
RESOLVE = _action("reportResolve", "id: $id, comment: $text", "$id: ID!, $text: String!")
REJECT = _action("reportReject", "id: $id, reason: $text", "$id: ID!, $text: String!")
HAND_BACK = _action("reportHandBack", "id: $id, reason: $text", "$id: ID!, $text: String!")
CLASSIFY = _action(
    "reportClassify", "id: $id, categoryCode: $code, comment: $text", "$id: ID!, $code: String!, $text: String!"
)
DUPLICATE_CONFIRM = _action("reportDuplicateConfirm", "linkId: $id, comment: $text", "$id: ID!, $text: String!")
DUPLICATE_DISMISS = _action("reportDuplicateDismiss", "linkId: $id, comment: $text", "$id: ID!, $text: String!")

# --- Emergencies ----------------------------------------------------------------

EMERGENCIES = """
subscription Emergencies {
  emergencyReports {
    cursor kind occurredAt
    report { id submittedAt description category { code name emergencyCall } location { latitude longitude } community { code } }
  }
}
"""

ACKNOWLEDGE = """
mutation Ack($input: EmergencyAcknowledgeInput!) {
  emergencyAcknowledge(input: $input) {
    acknowledgement { reportId etaMinutes responseSeconds }
    errors { field code message }
  }
}
"""

EMERGENCY_STATISTICS = """
query EmergencyStats($since: DateTime!, $until: DateTime!) {
  emergencyResponseStatistics(since: $since, until: $until) {
    acknowledged medianSeconds slowestSeconds withinGoldenTime withinLimit
  }
}
"""

# --- Points, passes, statistics ---------------------------------------------------

VERIFY = """
mutation Verify($id: ID!) {
  reportVerify(reportId: $id) { reportId closedAt award { id amount } errors { field code message } }
}
"""

PAYOUT = """
mutation Payout($input: PayoutCreateInput!) {
  payoutCreate(input: $input) {
    entry { id amount kind }
    account { balance }
    errors { field code message }
  }
}
"""

POINTS_ACCOUNT = """
query Points($id: ID) { pointsAccount(courierId: $id) { courierId balance awarded revoked adjusted paidOut } }
"""

LEDGER = """
query Ledger($id: ID, $before: ID) { pointsLedger(courierId: $id, first: 100, before: $before) { id kind amount reportId } }
"""

LEADERBOARD = """
query Board {
  leaderboard(board: HALF_YEAR) {
    title
    period { year half }
    entries { rank maskedName company { name } points }
  }
}
"""

MY_STANDING = "query Standing { leaderboard(board: HALF_YEAR) { me { rank points } } }"

MY_PASS = "query Pass { myPass { code passId expiresAt } }"

PASS_VERIFY = """
mutation Gate($code: String!) {
  passVerify(code: $code) {
    verification { valid result message courier { maskedName company { name } } community { code } }
    errors { field code message }
  }
}
"""

STATISTICS = """
query Statistics {
  reportStatistics {
    total overdue medianSecondsToAccept medianSecondsToResolve
    byStatus { status count }
    byCategory { category { code nameZh } count }
    byDepartment { department { code name } count }
    byCommunity { community { code name } count }
  }
}
"""
