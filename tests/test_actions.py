"""The packet fits the action: a request where something is sent (to the party that takes it),
no packet where nothing is (with one line saying what to do instead, in `build`, `batch` and
`letters`), and a specialist who overrules the plan, on the command line or in the claim file,
printed and recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from appealgen.plan import CORRECTED_CLAIM_FORM
from tests.conftest import WriteClaim, claim_dict
from tests.helpers import AS_OF, denied_with, pdf_text, run, write_claim_in
from tests.rulecases import build_claim, plan_for

RA_NOTES = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
            {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]
EXHAUSTED = {"history": [{"level": "reconsideration", "date": "2026-10-20", "outcome": "upheld", "reason": "x"},
                         {"level": "appeal", "date": "2026-11-10", "outcome": "upheld", "reason": "y"}]}
# Each action that sends nothing, a claim whose plan chooses it, and what the build line says to do.
SEND_NOTHING: dict[str, tuple[dict[str, Any], str]] = {
    "adjust": (denied_with("29"), "adjust the balance (write it off)"),
    "check_status": (denied_with("18"), "check the claim's status with the payer"),
    "bill_patient": ({**denied_with("1"), "service_lines": [{"dos": "2026-09-02", "code": "E0601", "billed": "245.00",
                                                             "carc": ["1"], "group": "PR"}],
                      "denial": {"date": "2026-10-14", "carc": ["1"], "group": "PR"}}, "bill the patient"),
    "verify_eligibility": (denied_with("31"), "verify the patient's coverage and member ID, then bill the right "
                                              "payer"),
    "ask_client": ({"appeal": EXHAUSTED}, "ask the client (the practice) whether to bill the patient or adjust the "
                                          "balance"),
    "review": (denied_with("999"), "have a person review the denial before anything is sent"),
    "none": (denied_with("45"), "nothing: there is no denial to dispute"),
}


def out_of(claim: Path) -> Path:
    return claim.parent.parent / "out"


def build(claim: Path, *extra: str) -> tuple[int, str]:
    code, _, stderr = run("build", str(claim), "--out", str(out_of(claim)), *AS_OF, *extra)
    return code, stderr


def report(claim: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out_of(claim) / "TEST-1" / "packet.json").read_text())
    return data


@pytest.mark.parametrize("action", sorted(SEND_NOTHING))
def test_every_send_nothing_action_is_refused_a_packet_unless_overruled(
    write_claim: WriteClaim, action: str
) -> None:
    overrides, instead = SEND_NOTHING[action]
    claim = write_claim(attachments=RA_NOTES, **overrides)
    code, stderr = build(claim)
    assert code == 0, stderr
    assert stderr.startswith(f"TEST-1: nothing to send ({action}): {instead}; because ")
    assert not (out_of(claim) / "TEST-1" / "packet.pdf").exists()
    assert (report(claim)["status"], report(claim)["action"], report(claim)["override"]) == (
        "nothing_to_send", action, None)
    # No letter or cover goes out: packet.json names none
    assert [report(claim)[key] for key in ("letter", "cover", "letter_file", "cover_file")] == ["", "", "", ""]

    # Every level is used for ask_client: only the last level, the appeal, is left to overrule to.
    wanted = "appeal" if action == "ask_client" else "reconsideration"
    code, stderr = build(claim, "--action", wanted, "--reason", "the specialist read the denial")
    assert code in (0, 3), stderr
    assert f"-> {wanted} (overruling the plan's {action}, by --action; the reason is in packet.json)" in stderr
    recorded = report(claim)
    assert (recorded["status"], recorded["action"]) == ("built", wanted)
    assert recorded["override"] == {"action": wanted, "planned": action,
                                    "planned_reason": recorded["override"]["planned_reason"],
                                    "by": "--action", "reason": "the specialist read the denial"}
    assert (out_of(claim) / "TEST-1" / "packet.pdf").is_file()


def test_an_override_in_the_claim_file_needs_its_reason(write_claim: WriteClaim) -> None:
    claim = write_claim(attachments=RA_NOTES, appeal={"action": "appeal"}, **denied_with("18"))
    code, stderr = build(claim)
    assert (code, stderr) == (1, f"{claim}: appeal: action_reason is required with action (why the plan is "
                                 "overruled)\n")
    claim = write_claim(attachments=RA_NOTES, **denied_with("18"), appeal={
        "action": "reconsideration", "action_reason": "the original claim was never paid", "policy": None})
    code, stderr = build(claim)
    assert code == 0, stderr
    assert "(overruling the plan's check_status, by appeal.action; the reason is in packet.json)" in stderr
    assert report(claim)["override"]["reason"] == "the original claim was never paid"


def test_overruling_a_request_into_sending_nothing(write_claim: WriteClaim) -> None:
    claim = write_claim()
    code, stderr = build(claim, "--action", "adjust", "--reason", "the balance is under the practice's threshold")
    assert code == 0
    assert stderr.startswith("TEST-1: nothing to send (adjust (overruling the plan's reconsideration, by --action; "
                             "the reason is in packet.json)): adjust the balance (write it off); because overruled by "
                             "--action: the balance is under the practice's threshold")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--action", "appeal"], "--action needs --reason: say why the plan is overruled"),
     (["--reason", "because"], "--reason goes with --action"),
     (["--action", "appel", "--reason", "x"], "--action 'appel' is not an action (one of: appeal, reconsideration, "
                                              "corrected_claim, request_authorization, verify_eligibility, "
                                              "check_status, adjust, bill_patient, none, reopening, review, "
                                              "ask_client)")],
    ids=["no-reason", "reason-alone", "unknown-action"],
)
def test_override_options_are_checked(write_claim: WriteClaim, args: list[str], message: str) -> None:
    code, _, stderr = run("build", str(write_claim()), *AS_OF, *args)
    assert code == 2
    assert stderr.splitlines()[-1] == f"Error: {message}"


def test_an_override_the_payer_cannot_take_is_refused(write_claim: WriteClaim) -> None:
    claim = write_claim()
    code, stderr = build(claim, "--action", "reopening", "--reason", "a clerical error")
    assert (code, stderr) == (1, f"{claim}: --action: commercial takes no reopenings (corrections: "
                                 "replacement_claim)\n")


def test_a_retro_authorization_goes_to_utilization_management(write_claim: WriteClaim) -> None:
    claim = write_claim(attachments=RA_NOTES, **denied_with("197"))
    code, stderr = build(claim)
    assert code == 0, stderr
    assert (report(claim)["action"], report(claim)["level"], report(claim)["letter"]) == (
        "request_authorization", "retro_authorization", "retro_authorization.docx")
    text = pdf_text(out_of(claim) / "TEST-1" / "packet.pdf")
    assert "Example Commercial Health Plan, Utilization Management Retroactive Authorization Requests" in text
    assert "RE: Request for retroactive authorization" in text
    assert "Reconsiderations" not in text and "redetermination" not in text.lower()


def test_medicare_takes_no_retro_authorization_a_person_decides(write_claim: WriteClaim) -> None:
    claim = write_claim(payer="medicare-part-b", attachments=RA_NOTES, **denied_with("197"))
    code, stderr = build(claim)
    assert code == 0
    assert stderr.startswith("TEST-1: nothing to send (review): have a person review the denial before anything "
                             "is sent; because no authorization enclosed, and medicare-part-b takes no retroactive "
                             "authorization requests")


def test_a_corrected_claim_packet_follows_the_payers_replacement_method(write_claim: WriteClaim) -> None:
    documents = [*RA_NOTES, {"kind": "corrected_claim", "path": "docs/cms1500.pdf", "title": "Corrected claim form"}]
    appeal = {"correction": "Modifier RT added to line 1."}
    claim = write_claim(attachments=documents, appeal=appeal, **denied_with("4", ("N822",)))
    code, stderr = build(claim)
    assert code == 0, stderr
    assert (report(claim)["action"], report(claim)["level"]) == ("corrected_claim", "corrected_claim")
    text = pdf_text(out_of(claim) / "TEST-1" / "packet.pdf")
    for words in ("RE: Corrected claim (frequency code 7) replacing claim PCN0001", "What changed: Modifier RT added "
                  "to line 1.", "Example Commercial Health Plan, Claims Department Corrected Claims"):
        assert words in text
    # Without the corrected claim form the packet is built, stamped, and fails its check.
    claim = write_claim(attachments=RA_NOTES, appeal=appeal, **denied_with("4", ("N822",)))
    code, stderr = build(claim)
    assert code == 3
    assert stderr.endswith(": missing corrected claim form (frequency code 7, with the original claim number)\n")


def test_a_medicare_correction_after_ma130_is_a_new_claim_not_a_packet(write_claim: WriteClaim) -> None:
    claim = write_claim(payer="medicare-dme", attachments=RA_NOTES, **denied_with("16", ("MA130",)))
    code, stderr = build(claim)
    assert code == 0
    assert stderr.startswith("TEST-1: nothing to send (corrected_claim): correct the claim and send it as a new "
                             "claim (frequency code 1) by 2027-09-01; it must arrive by 2027-09-02; because ")


def test_a_new_claim_asks_for_no_replacement_claim_form() -> None:
    """A new claim (frequency code 1) goes through claim submission: the plan must not also ask
    for the replacement form (frequency code 7) a corrected claim in a packet needs."""
    plan = plan_for(build_claim(["CO-16"], ["MA130"], payer="medicare-dme"))
    assert (plan.action.value, plan.new_claim, plan.packet) == ("corrected_claim", True, False)
    assert CORRECTED_CLAIM_FORM not in [r.description for r in plan.required]


def test_batch_and_letters_honour_nothing_to_send(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_claim_in(inputs / "one")
    write_claim_in(inputs / "two", claim_id="TEST-2", attachments=RA_NOTES, **denied_with("18"))
    code, _, stderr = run("batch", str(inputs), "--out", str(tmp_path / "out"), "--jobs", "1", *AS_OF)
    assert code == 0, stderr
    assert stderr.splitlines()[-1].startswith("2 claims: 1 built, 1 with nothing to send, 0 up to date, 0 failed")
    rows = {r["claim_id"]: r for r in json.loads((tmp_path / "out" / "batch-summary.json").read_text())["claims"]}
    assert (rows["TEST-2"]["status"], rows["TEST-2"]["action"], rows["TEST-2"]["check_passed"]) == (
        "nothing_to_send", "check_status", "")
    assert (rows["TEST-1"]["deadline"], rows["TEST-2"]["deadline"]) == ("2027-10-14", "")  # none to meet: none shown
    code, _, stderr = run("batch", str(inputs), "--out", str(tmp_path / "out"), "--jobs", "1", *AS_OF)
    assert "0 built, 0 with nothing to send, 2 up to date" in stderr  # a rerun keeps it, like a packet

    code, _, stderr = run("letters", str(inputs), "--out", str(tmp_path / "letters"), "--jobs", "1", *AS_OF)
    assert code == 0, stderr
    assert ("TEST-2: nothing to send (check_status): check the claim's status with the payer; because duplicate"
            in stderr)
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == ["TEST-1.pdf"]


def test_plan_says_nothing_is_sent_and_why(write_claim: WriteClaim) -> None:
    code, stdout, _ = run("plan", str(write_claim(**denied_with("18"))), *AS_OF)
    assert code == 0
    assert "  nothing to send: check the claim's status with the payer" in stdout.splitlines()
    code, stdout, _ = run("plan", str(write_claim(**denied_with("18"))), *AS_OF, "--action", "reconsideration",
                          "--reason", "unpaid original")
    assert "    overruled by --action: the plan was check_status" in stdout.splitlines()


def test_a_letter_never_names_a_document_the_packet_lacks(tmp_path: Path) -> None:
    """The same denials with and without each supporting document: the sentence about an enclosure
    appears only when the packet holds it (without it, a specialist asks for review anyway)."""
    cases = [("29", "proof_of_timely_filing", "The enclosed proof of timely filing shows"),
             ("197", "authorization", "The enclosed authorization approval shows"),
             ("22", "primary_eob", "The primary payer's explanation of benefits is enclosed")]
    anyway = {**claim_dict()["appeal"], "action": "reconsideration", "action_reason": "the specialist asks anyway"}
    for n, (carc, kind, sentence) in enumerate(cases):
        document = {"kind": kind, "path": f"docs/{kind}.pdf", "title": kind.replace("_", " ")}
        for claim_id, attachments, appeal in ((f"W-{n}", [*RA_NOTES, document], claim_dict()["appeal"]),
                                              (f"L-{n}", RA_NOTES, anyway)):
            claim = write_claim_in(tmp_path / claim_id, claim_id=claim_id, attachments=attachments, appeal=appeal,
                                   **denied_with(carc))
            code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF)
            assert code in (0, 3), stderr
            letter = pdf_text(tmp_path / "out" / claim_id / "packet.pdf")
            assert (sentence in letter) is claim_id.startswith("W"), claim_id


def test_a_second_level_request_must_answer_the_previous_decision(write_claim: WriteClaim) -> None:
    documents = [*RA_NOTES, {"kind": "decision_notice", "path": "docs/notice.pdf", "title": "Decision notice"}]
    upheld = {"level": "reconsideration", "date": "2026-11-10", "outcome": "upheld"}
    claim = write_claim(attachments=documents, appeal={**claim_dict()["appeal"], "history": [upheld]})
    code, stderr = build(claim)
    assert code == 3
    assert stderr.endswith(": appeal.history[0].reason is missing; a request to Appeal must answer the reason the "
                           "last decision gave (quote it from the notice)\n")
    reason = "The records do not show the item was needed."
    claim = write_claim(attachments=documents, appeal={**claim_dict()["appeal"],
                                                       "history": [{**upheld, "reason": reason}]})
    code, stderr = build(claim)
    assert code == 0, stderr
    assert ("The reconsideration decision of November 10, 2026 by Example Commercial Health Plan upheld the denial, "
            f"giving as its reason: \u201c{reason}\u201d The notice of that decision is enclosed. That reason does "
            "not hold, for the reasons below.") in pdf_text(out_of(claim) / "TEST-1" / "packet.pdf")


@pytest.mark.parametrize("appeal", [{"policy": None}, {"policy": None, "argument": "The codes billed were correct."}],
                         ids=["nothing", "an-argument-is-no-correction"])
def test_a_correction_must_say_what_changed(write_claim: WriteClaim, appeal: dict[str, object]) -> None:
    documents = [*RA_NOTES, {"kind": "corrected_claim", "path": "docs/cms1500.pdf", "title": "Corrected claim form"}]
    claim = write_claim(attachments=documents, appeal=appeal, **denied_with("4", ("N822",)))
    code, stderr = build(claim)
    assert code == 3
    assert stderr.endswith(": appeal.correction is missing; the letter must say what the corrected claim changes "
                           "(for example 'modifier KX added to line 1')\n")


def test_a_corrected_claim_is_not_sent_with_an_appeal_letter(write_claim: WriteClaim) -> None:
    """The corrected claim attached makes the action a corrected claim; a coding appeal's letter
    stated in the claim file would argue that the codes billed were right."""
    documents = [*RA_NOTES, {"kind": "corrected_claim", "path": "docs/cms1500.pdf", "title": "Corrected claim form"}]
    claim = write_claim(attachments=documents, appeal={"policy": None, "letter": "coding.docx",
                                                       "correction": "Modifier 59 added to line 1."},
                        **denied_with("4", ("N822",)))
    code, stderr = build(claim)
    assert code == 3
    assert stderr.endswith(": appeal.letter coding.docx is the letter for coding denials, but this claim's action is "
                           "corrected_claim, whose letter is corrected_claim.docx: remove appeal.letter, or state a "
                           "letter written for a corrected claim\n")
