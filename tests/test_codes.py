"""The reason-code table, entry by entry.

Code numbers and status come from the X12 code lists (External Code Source 139, CARC, and 411,
RARC; x12.org/codes), as read from a public machine copy of those pages dated 2026-08-17:
407 CARCs (297 active, 110 deactivated), 1,216 RARCs (1,137 active). The table holds every
active CARC plus the deactivated 15, 42 and A2 (older remittances still carry them), and the 105 RARCs that
change a decision. Categories, denial flags and rules are the project's own judgment (see
DOMAIN.md, "Denial categories"). Every expected value is written out here, never read back from
codes.yaml, so removing or changing an entry makes a test fail.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from appealgen.models import Action, AttachmentKind, Category
from appealgen.rules.codes import load_code_table
from tests.conftest import CODES, REPO
from tests.rulecases import build_claim, classify, plan_for

A = Action
K = AttachmentKind
MN, COV, AUTH, MISS, COD, BUN = (Category.medical_necessity, Category.coverage, Category.authorization,
                                 Category.missing_information, Category.coding, Category.bundling)
ELIG, TF, DUP, COB, MAX, CON, PR, OTH = (Category.eligibility, Category.timely_filing, Category.duplicate,
                                         Category.coordination_of_benefits, Category.benefit_maximum,
                                         Category.contractual, Category.patient_responsibility, Category.other)

# The active CARCs of the X12 list dated 2026-08-17 (code source 139), in list order.
ACTIVE_CARCS = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "16", "18", "19", "20", "21", "22",
    "23", "24", "26", "27", "29", "31", "32", "33", "34", "35", "39", "40", "44", "45", "49", "50", "51", "53", "54",
    "55", "56", "58", "59", "60", "61", "66", "69", "70", "74", "75", "76", "78", "85", "89", "90", "91", "94", "95",
    "96", "97", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110", "111", "112", "114",
    "115", "116", "117", "118", "119", "121", "122", "128", "129", "130", "131", "132", "133", "134", "135", "136",
    "137", "139", "140", "142", "143", "144", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155",
    "157", "158", "159", "160", "161", "163", "164", "166", "167", "169", "170", "171", "172", "173", "174", "175",
    "176", "177", "178", "179", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "192",
    "193", "194", "195", "197", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207", "208", "209",
    "210", "211", "212", "213", "215", "216", "219", "222", "223", "224", "225", "226", "227", "228", "229", "231",
    "232", "233", "234", "235", "236", "237", "238", "239", "240", "241", "242", "243", "245", "246", "247", "248",
    "249", "250", "251", "252", "253", "254", "256", "257", "258", "259", "260", "261", "262", "263", "264", "265",
    "266", "267", "268", "269", "270", "271", "272", "273", "274", "275", "276", "277", "278", "279", "280", "281",
    "282", "283", "284", "285", "286", "287", "288", "289", "290", "291", "292", "293", "294", "295", "296", "297",
    "298", "299", "300", "301", "302", "303", "304", "305", "306", "307", "308", "A0", "A1", "A5", "A6", "A8", "B1",
    "B4", "B7", "B8", "B9", "B10", "B11", "B12", "B13", "B14", "B15", "B16", "B20", "B22", "B23", "P1", "P2", "P3",
    "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15", "P16", "P17", "P18", "P19", "P20",
    "P21", "P22", "P23", "P24", "P25", "P26", "P27", "P28", "P29", "P30", "P31", "P32",
]
# 15: deactivated after 2016-03 (date not found); 42 and A2: older codes for 45 (stop dates not
# confirmed), in two of the public sample 835s. Older remittances carry them.
DEACTIVATED_KEPT = {"15", "42", "A2"}

# CARC -> (category, is a denial) with the CO group and nothing else on the claim.
# Each entry: CARC <code> (X12 code list 139, copy of 2026-08-17); category and denial flag: its codes.yaml entry
# (the project's judgment, DOMAIN.md: denial categories).
CARCS: dict[str, tuple[Category, bool]] = {
    "1": (PR, False), "2": (PR, False), "3": (PR, False), "4": (COD, True), "5": (COD, True), "6": (COD, True),
    "7": (COD, True), "8": (COD, True), "9": (COD, True), "10": (COD, True), "11": (COD, True), "12": (COD, True),
    "13": (ELIG, True), "14": (ELIG, True), "15": (AUTH, True), "16": (MISS, True), "18": (DUP, True),
    "19": (COB, True), "20": (COB, True), "21": (COB, True), "22": (COB, True), "23": (COB, False),
    "24": (ELIG, True), "26": (ELIG, True), "27": (ELIG, True), "29": (TF, True), "31": (ELIG, True),
    "32": (ELIG, True), "33": (ELIG, True), "34": (ELIG, True), "35": (MAX, True), "39": (AUTH, True),
    "40": (COV, True), "42": (CON, False), "44": (CON, False), "45": (CON, False), "49": (COV, True), "50": (MN, True),
    "51": (COV, True), "53": (COV, True), "54": (COV, True), "55": (COV, True), "56": (COV, True), "58": (COD, True),
    "59": (BUN, False), "60": (BUN, True), "61": (AUTH, True), "66": (PR, False), "69": (CON, False),
    "70": (CON, False), "74": (CON, False), "75": (CON, False), "76": (CON, False), "78": (COV, True),
    "85": (PR, False), "89": (OTH, False), "90": (CON, False), "91": (CON, False), "94": (OTH, False),
    "95": (OTH, True), "96": (COV, True), "97": (BUN, True), "100": (PR, False), "101": (OTH, False),
    "102": (CON, False), "103": (CON, False), "104": (CON, False), "105": (OTH, False), "106": (ELIG, True),
    "107": (MISS, True), "108": (COV, True), "109": (ELIG, True), "110": (COD, True), "111": (COV, True),
    "112": (MISS, True), "114": (COV, True), "115": (OTH, True), "116": (COV, True), "117": (COV, True),
    "118": (CON, False), "119": (MAX, True), "121": (OTH, False), "122": (CON, False), "128": (BUN, True),
    "129": (COB, True), "130": (CON, False), "131": (CON, False), "132": (CON, False), "133": (OTH, False),
    "134": (OTH, False), "135": (COD, True), "136": (COB, True), "137": (CON, False), "139": (CON, False),
    "140": (ELIG, True), "142": (PR, False), "143": (OTH, False), "144": (CON, False), "146": (COD, True),
    "147": (OTH, True), "148": (MISS, True), "149": (MAX, True), "150": (MN, True), "151": (MN, True),
    "152": (MN, True), "153": (MN, True), "154": (MN, True), "155": (OTH, True), "157": (COV, True),
    "158": (COV, True), "159": (COV, True), "160": (COV, True), "161": (CON, False), "163": (MISS, True),
    "164": (MISS, True), "166": (TF, True), "167": (MN, True), "169": (COV, True), "170": (COV, True),
    "171": (COV, True), "172": (CON, False), "173": (MISS, True), "174": (MISS, True), "175": (MISS, True),
    "176": (MISS, True), "177": (ELIG, True), "178": (ELIG, True), "179": (ELIG, True), "180": (ELIG, True),
    "181": (COD, True), "182": (COD, True), "183": (AUTH, True), "184": (COV, True), "185": (COV, True),
    "186": (MN, True), "187": (PR, False), "188": (COV, True), "189": (COD, True), "190": (BUN, True),
    "192": (OTH, False), "193": (OTH, True), "194": (BUN, True), "195": (OTH, False), "197": (AUTH, True),
    "198": (AUTH, True), "199": (COD, True), "200": (ELIG, True), "201": (PR, False), "202": (COV, True),
    "203": (OTH, False), "204": (COV, True), "205": (CON, False), "206": (MISS, True), "207": (MISS, True),
    "208": (MISS, True), "209": (COB, False), "210": (AUTH, True), "211": (COV, True), "212": (COV, True),
    "213": (OTH, True), "215": (COB, True), "216": (MN, True), "219": (COV, True), "222": (CON, True),
    "223": (CON, False), "224": (ELIG, True), "225": (OTH, False), "226": (MISS, True), "227": (MISS, True),
    "228": (COB, True), "229": (OTH, False), "231": (BUN, True), "232": (CON, False), "233": (COV, True),
    "234": (BUN, True), "235": (OTH, False), "236": (BUN, True), "237": (CON, False), "238": (ELIG, True),
    "239": (ELIG, True), "240": (COD, True), "241": (PR, False), "242": (COV, True), "243": (AUTH, True),
    "245": (CON, False), "246": (OTH, False), "247": (PR, False), "248": (PR, False), "249": (MN, True),
    "250": (MISS, True), "251": (MISS, True), "252": (MISS, True), "253": (CON, False), "254": (ELIG, True),
    "256": (COV, True), "257": (OTH, False), "258": (ELIG, True), "259": (CON, False), "260": (CON, False),
    "261": (MN, True), "262": (CON, False), "263": (CON, False), "264": (CON, False), "265": (CON, False),
    "266": (CON, False), "267": (COD, True), "268": (COD, True), "269": (COV, True), "270": (ELIG, True),
    "271": (CON, False), "272": (COV, True), "273": (MAX, True), "274": (CON, True), "275": (PR, False),
    "276": (COB, True), "277": (OTH, False), "278": (OTH, True), "279": (COV, True), "280": (ELIG, True),
    "281": (CON, False), "282": (COD, True), "283": (COV, True), "284": (AUTH, True), "285": (OTH, True),
    "286": (TF, True), "287": (AUTH, True), "288": (AUTH, True), "289": (COV, True), "290": (ELIG, False),
    "291": (ELIG, False), "292": (ELIG, False), "293": (OTH, False), "294": (OTH, False), "295": (CON, False),
    "296": (AUTH, True), "297": (ELIG, True), "298": (ELIG, False), "299": (COV, True), "300": (ELIG, False),
    "301": (ELIG, True), "302": (AUTH, True), "303": (CON, False), "304": (ELIG, True), "305": (ELIG, False),
    "306": (COD, True), "307": (CON, False), "308": (CON, False), "A0": (OTH, False), "A1": (OTH, True),
    "A2": (CON, False), "A5": (CON, False), "A6": (COV, True), "A8": (COD, True), "B1": (COV, True), "B4": (TF, False),
    "B7": (COV, True), "B8": (MN, True), "B9": (ELIG, True), "B10": (BUN, False), "B11": (ELIG, False),
    "B12": (MISS, True), "B13": (DUP, True), "B14": (BUN, True), "B15": (MISS, True), "B16": (COD, True),
    "B20": (DUP, True), "B22": (MN, True), "B23": (COV, True), "P1": (OTH, True), "P2": (COB, True),
    "P3": (PR, False), "P4": (COB, True), "P5": (CON, False), "P6": (ELIG, True), "P7": (COD, True),
    "P8": (OTH, False), "P9": (COD, True), "P10": (OTH, False), "P11": (OTH, False), "P12": (CON, False),
    "P13": (COV, True), "P14": (BUN, True), "P15": (MN, True), "P16": (COV, True), "P17": (AUTH, True),
    "P18": (CON, False), "P19": (CON, True), "P20": (COV, True), "P21": (COV, True), "P22": (CON, False),
    "P23": (CON, False), "P24": (CON, False), "P25": (CON, False), "P26": (CON, False), "P27": (COV, True),
    "P28": (CON, False), "P29": (CON, False), "P30": (MISS, True), "P31": (MN, True), "P32": (COB, False),
}

# RARC -> (category, forced action, appeal rights, documents asked for, cite the LCD/NCD)
# Each entry: RARC <code> (code list 411, copy of 2026-08-17); its effect: its codes.yaml `rarc` entry and comment
# (the project's judgment; MA130: DOMAIN.md, row 'missing information / attachment').
RemarkEffect = tuple[Category | None, Action | None, bool, list[AttachmentKind], bool]
RARCS: dict[str, RemarkEffect] = {
    "MA130": (MISS, A.corrected_claim, False, [], False),
    "N211": (None, None, False, [], False),
    "MA44": (None, None, False, [], False),
    "N83": (None, None, False, [], False),
    "N704": (None, A.corrected_claim, False, [], False),
    "MA113": (MISS, A.corrected_claim, False, [], False),
    "N517": (MISS, A.corrected_claim, True, [], False),
    # claim data no record supplies (NGS, CGS, Noridian job aids for CO-16 with these remarks)
    "M119": (MISS, A.corrected_claim, True, [], False),
    "MA120": (MISS, A.corrected_claim, True, [], False),
    "N290": (MISS, A.corrected_claim, True, [], False),
    "N257": (MISS, A.corrected_claim, True, [], False),
    "N264": (MISS, A.corrected_claim, True, [], False),
    "N265": (MISS, A.corrected_claim, True, [], False),
    "N286": (MISS, A.corrected_claim, True, [], False),
    "N380": (None, A.corrected_claim, True, [], False),
    "N142": (None, A.corrected_claim, True, [], False),
    "N938": (None, A.check_status, True, [], False),
    "MA01": (None, None, True, [], False),
    "N115": (None, None, True, [], True),
    "N386": (None, None, True, [], True),
    "N130": (COV, None, True, [], False),
    "N425": (COV, None, True, [], False),
    "N216": (COV, None, True, [], False),
    "M3": (COV, None, True, [], False),
    "M38": (None, A.bill_patient, True, [], False),
    "M39": (None, None, True, [], False),
    "N563": (None, None, True, [], False),
    "M27": (None, None, True, [], False),
    "N661": (MN, None, True, [K.progress_notes, K.medical_necessity_letter], False),
    "M25": (MN, None, True, [K.progress_notes], False),
    "M26": (MN, None, True, [K.progress_notes], False),
    "N124": (MN, None, True, [K.progress_notes, K.medical_necessity_letter], False),
    "N435": (MN, None, True, [K.progress_notes], False),
    "M127": (MISS, None, True, [K.medical_records], False),
    "N237": (MISS, None, True, [K.medical_records], False),
    "N706": (MISS, None, True, [], False),
    "N705": (MISS, None, True, [], False),
    "N206": (MISS, None, True, [], False),
    "N393": (MISS, None, True, [K.progress_notes], False),
    "N394": (MISS, None, True, [K.progress_notes], False),
    "N718": (MISS, None, True, [K.progress_notes], False),
    "N717": (MISS, None, True, [K.progress_notes], False),
    "M29": (MISS, None, True, [K.medical_records], False),
    "N233": (MISS, None, True, [K.medical_records], False),
    "M141": (MISS, None, True, [K.medical_records], False),
    "N238": (MISS, None, True, [K.medical_records], False),
    "N40": (MISS, None, True, [K.medical_records], False),
    "M60": (MISS, None, True, [K.cmn], False),
    "N227": (MISS, None, True, [K.cmn], False),
    "N170": (MISS, None, True, [K.cmn], False),
    "N667": (MISS, None, True, [K.prescription], False),
    "N668": (MISS, None, True, [K.prescription], False),
    "N455": (MISS, None, True, [K.prescription], False),
    "N456": (MISS, None, True, [K.prescription], False),
    "N708": (MISS, None, True, [K.prescription], False),
    "N707": (MISS, None, True, [K.prescription], False),
    "N397": (None, None, True, [K.delivery_ticket], False),
    "M124": (MISS, None, True, [K.other], False),
    "M23": (MISS, None, True, [K.other], False),
    "N354": (MISS, None, True, [K.other], False),
    "N26": (MISS, None, True, [K.other], False),
    "N3": (MISS, None, True, [K.other], False),
    "N366": (MISS, None, True, [], False),
    "N179": (MISS, None, True, [], False),
    "N4": (COB, None, True, [K.primary_eob], False),
    "MA04": (COB, None, True, [K.primary_eob], False),
    "N479": (COB, None, True, [K.primary_eob], False),
    "N480": (COB, None, True, [K.primary_eob], False),
    "N36": (COB, None, True, [], False),
    "MA92": (COB, None, True, [], False),
    "N522": (DUP, None, True, [], False),
    "N111": (DUP, None, True, [], False),
    "N347": (DUP, None, True, [], False),
    "N921": (TF, None, True, [], False),
    "N54": (AUTH, None, True, [], False),
    "M62": (AUTH, None, True, [K.authorization], False),
    "N758": (AUTH, None, True, [K.authorization], False),
    "N351": (AUTH, None, True, [K.authorization], False),
    "N385": (AUTH, None, True, [], False),
    "N630": (AUTH, None, True, [], False),
    "N475": (AUTH, None, True, [K.authorization], False),
    "N476": (AUTH, None, True, [K.authorization], False),
    "N489": (AUTH, None, True, [K.authorization], False),
    "N490": (AUTH, None, True, [K.authorization], False),
    "M51": (COD, A.corrected_claim, True, [], False),
    "M20": (COD, A.corrected_claim, True, [], False),
    "M76": (COD, A.corrected_claim, True, [], False),
    "M77": (COD, A.corrected_claim, True, [], False),
    "N822": (COD, A.corrected_claim, True, [], False),
    "N823": (COD, A.corrected_claim, True, [], False),
    "N34": (COD, A.corrected_claim, True, [], False),
    "N62": (COD, A.corrected_claim, True, [], False),
    "N74": (COD, A.corrected_claim, True, [], False),
    "N56": (COD, None, True, [], False),
    "N657": (COD, None, True, [], False),
    "N519": (COD, None, True, [], False),
    "N180": (COD, None, True, [], False),
    "N188": (COD, None, True, [], False),
    "N163": (COD, None, True, [K.medical_records], False),
    "M15": (BUN, None, True, [], False),
    "M80": (BUN, None, True, [], False),
    "N19": (BUN, None, True, [], False),
    "N20": (BUN, None, True, [], False),
    "M144": (BUN, None, True, [], False),
    "N70": (BUN, None, True, [], False),
    "N640": (MAX, None, True, [], False),
    "N362": (MAX, None, True, [], False),
    "N30": (ELIG, None, True, [], False),
    "N52": (ELIG, None, True, [], False),
    "N619": (ELIG, None, True, [], False),
    "N382": (ELIG, None, True, [], False),
    "MA27": (ELIG, None, True, [], False),
}


def test_the_table_holds_every_active_carc_of_the_list() -> None:
    assert len(ACTIVE_CARCS) == len(set(ACTIVE_CARCS)) == 297
    assert set(CODES.carc) == set(ACTIVE_CARCS) | DEACTIVATED_KEPT
    assert set(CARCS) == set(CODES.carc)


# one case per CARC of the CARCS table above (X12 code list 139; codes.yaml entry)
@pytest.mark.parametrize(("code", "category", "denial"),
                         [pytest.param(c, cat, d, id=f"CO-{c}") for c, (cat, d) in CARCS.items()])
def test_carc_category_and_denial(code: str, category: Category, denial: bool) -> None:
    found = classify(f"CO-{code}")
    assert (found.category, found.denied) == (category, denial)
    assert found.reasons[0].startswith(f"CO-{code} (")


def test_the_table_holds_exactly_the_documented_rarcs() -> None:
    assert set(CODES.rarc) == set(RARCS)


# one case per RARC of the RARCS table above (code list 411; codes.yaml `rarc` entry)
@pytest.mark.parametrize(("code", "expected"), list(RARCS.items()), ids=list(RARCS))
def test_rarc_effects(code: str, expected: RemarkEffect) -> None:
    rule = CODES.rarc[code]
    assert (rule.category, rule.action, rule.appeal_rights, rule.documents, rule.cite_lcd) == expected
    found = classify("CO-16", rarcs=[code])  # 16 is refinable: a remark with a category replaces it
    assert found.category == (expected[0] or MISS)
    assert (found.forced_action, found.appeal_rights, found.cite_lcd) == (expected[1], expected[2], expected[4])


# codes.yaml `refinable: true` (generic CARCs 16, 96, 129, 148, 226, 227, 250-252, A1, P1 of code list 139);
# `pended: true` (code list 139: 133, 257, 277, P8, P10, P11, see the codes.yaml comments).
REFINABLE = {"16", "96", "129", "148", "226", "227", "250", "251", "252", "A1", "P1"}
PENDED = {"133", "257", "277", "P8", "P10", "P11"}  # the payer holds the line for a later decision


def test_generic_carcs_a_remark_refines() -> None:
    assert {code for code, rule in CODES.carc.items() if rule.refinable} == REFINABLE


@pytest.mark.parametrize("carc", sorted(REFINABLE))
def test_a_remark_refines_a_generic_carc(carc: str) -> None:
    assert classify(f"CO-{carc}", rarcs=["N54"]).category == AUTH


def test_pended_carcs() -> None:
    assert {code for code, rule in CODES.carc.items() if rule.pended} == PENDED


@pytest.mark.parametrize("carc", sorted(PENDED))
def test_a_pended_line_on_a_paid_claim_is_followed_up(carc: str) -> None:
    """Pended codes deny nothing yet; the claim is followed up, not closed (code list: 133
    'pending further review', 257/277 premium grace period, P8 investigation, P10/P11 litigation)."""
    plan = plan_for(build_claim([f"OA-{carc}", "CO-45"], billed="245.00", paid="100.00"))
    assert (plan.denied, plan.action) == (False, A.check_status)
    assert plan.action_reason == "a line is held for a later decision (pended): check its status"


# (codes on one claim, modifiers) -> (action, patient liable, notes). Group rules of codes.yaml.
NO_ABN = ("PR group without modifier GA: no advance beneficiary notice on file, so the patient is not liable; "
          "verify eligibility and authorization, then ask for review")
GA = "advance beneficiary notice on file (modifier GA): the patient is liable"
GROUP_RULES = [
    # DOMAIN.md: a PR-group denial of an item Medicare treats as not reasonable and necessary
    # makes the patient liable only with an advance beneficiary notice on file (modifier GA).
    pytest.param(["PR-50"], ["GA"], A.bill_patient, True, [f"PR-50: {GA}"], id="PR-50-with-GA-bills-the-patient"),
    pytest.param(["PR-50"], [], A.appeal, False, [f"PR-50: {NO_ABN}"], id="PR-50-without-GA-verify-and-review"),
    pytest.param(["PR-151"], ["GA"], A.bill_patient, True, [f"PR-151: {GA}"], id="PR-151-with-GA"),
    pytest.param(["PR-167"], ["GZ"], A.appeal, False, [f"PR-167: {NO_ABN}"], id="PR-167-with-GZ-is-not-GA"),
    # codes.yaml group rules for 50, 150-154, 167 (42 CFR 411.404, the ABN rules): PR group only.
    pytest.param(["CO-50"], ["GA"], A.appeal, False, [], id="CO-50-with-GA-is-the-provider's"),
    # PR-96: a non-covered charge assigned to the patient.
    # codes.yaml group rules (PR) for CARC 96, 204, 49, 202, 242, 279 (the project's judgment; code list 139).
    pytest.param(["PR-96"], [], A.bill_patient, True,
                 ["PR-96: a non-covered charge assigned to the patient (PR): the patient is liable"], id="PR-96"),
    pytest.param(["PR-204"], [], A.bill_patient, True,
                 ["PR-204: excluded by the patient's plan: the patient is liable"], id="PR-204"),
    pytest.param(["PR-49"], [], A.bill_patient, True,
                 ["PR-49: routine service excluded by the patient's plan: the patient is liable"], id="PR-49"),
    pytest.param(["PR-202"], [], A.bill_patient, True,
                 ["PR-202: comfort or convenience item: the patient is liable"], id="PR-202"),
    pytest.param(["PR-242"], [], A.bill_patient, True, ["PR-242: out-of-network under the patient's plan: the "
                 "patient is liable unless balance-billing protections apply"], id="PR-242"),
    pytest.param(["PR-279"], [], A.bill_patient, True, ["PR-279: outside the member's narrow network: the patient "
                 "is liable unless protections apply"], id="PR-279"),
    # DOMAIN.md: denial categories, row 'coverage (non-covered)': verify eligibility and authorization, then review.
    pytest.param(["CO-96"], [], A.appeal, False, ["verify eligibility and authorization before asking for review"],
                 id="CO-96-is-reviewed"),
]


@pytest.mark.parametrize(("codes", "modifiers", "action", "liable", "notes"), GROUP_RULES)
def test_group_rules(codes: list[str], modifiers: list[str], action: Action, liable: bool, notes: list[str]) -> None:
    """A group rule that applies decides the action and gives its reason; one that does not
    apply for want of a modifier says why in a note."""
    plan = plan_for(build_claim(codes, payer="medicare-part-b", modifiers=modifiers))
    assert plan.action == action
    if action is A.bill_patient:
        assert (plan.action_reason, plan.notes) == (f"group code rule: {'; '.join(notes)}", [])
    else:
        assert plan.notes == notes
    assert classify(*codes, modifiers=modifiers).patient_liable is liable


@pytest.mark.parametrize(
    ("codes", "denied", "liable"),
    [
        # DOMAIN.md, not denials: CARC 23 (the prior payer's adjudication) in any group ...
        pytest.param(["OA-23"], False, False, id="OA-23"),
        pytest.param(["CO-23"], False, False, id="CO-23"),
        pytest.param(["PI-23"], False, False, id="PI-23"),
        # ... contractual and multiple-procedure reductions on a paid line ...
        # (codes.yaml `denial: false`: 45 contract, 59 multiple procedure, 172 specialty reduction, 253 sequestration)
        pytest.param(["CO-45"], False, False, id="CO-45-contract"),
        pytest.param(["CO-59"], False, False, id="CO-59-multiple-procedure"),
        pytest.param(["CO-172"], False, False, id="CO-172-specialty-reduction"),
        pytest.param(["CO-253"], False, False, id="CO-253-sequestration"),
        # ... and zero-dollar adjustments, whatever the code.
        pytest.param(["CO-50=0.00"], False, False, id="CO-50-zero-dollars"),
        pytest.param(["PR-1=0"], False, False, id="PR-1-zero-dollars-nothing-to-bill"),
        # DOMAIN.md: denial categories, row 'medical necessity': CARC 50 with an amount is a denial.
        pytest.param(["CO-50=245.00"], True, False, id="CO-50-with-its-amount"),
        # PR deductible, coinsurance and copay are the patient's balance, not a denial.
        # (DOMAIN.md, "Not denials"; CARC 1, 2, 3 of code list 139; CO-1: DOMAIN.md: the words, row 'group code')
        pytest.param(["PR-1"], False, True, id="PR-1"),
        pytest.param(["PR-2"], False, True, id="PR-2"),
        pytest.param(["PR-3"], False, True, id="PR-3"),
        pytest.param(["CO-1"], False, False, id="CO-1-is-not-the-patient's"),
    ],
)
def test_adjustments_that_deny_nothing(codes: list[str], denied: bool, liable: bool) -> None:
    found = classify(*codes)
    assert (found.denied, found.patient_liable) == (denied, liable)


def test_an_unknown_carc_goes_to_a_person_with_a_warning_naming_it() -> None:
    """Never a generic appeal: category other, action review (nothing sent), a warning."""
    plan = plan_for(build_claim(["CO-999"], payer="medicare-dme"))
    assert (plan.category, plan.denied, plan.action) == (OTH, True, A.review)
    assert plan.action_reason == "CO-999 not in the code table: a person must read the denial before anything is sent"
    assert [(f.code, f.message) for f in plan.findings if f.code == "codes.unknown"] == [
        ("codes.unknown", "CO-999 not in the code table (rules/codes.yaml): a person must review the denial")]
    assert not plan.submitted


def test_an_unknown_carc_beside_a_known_denial_still_goes_to_a_person() -> None:
    plan = plan_for(build_claim(["CO-50", "CO-999"]))
    assert (plan.category, plan.other_categories, plan.action) == (MN, [OTH], A.review)


def test_an_unknown_carc_on_a_paid_line_is_a_reduction_not_a_denial() -> None:
    found = classify("CO-998", unpaid=False)
    assert (found.denied, found.unknown) == (False, ["CO-998"])


def test_any_other_remark_is_information_only() -> None:
    found = classify("CO-50", rarcs=["N999", "MA02"])
    assert (found.category, found.forced_action, found.appeal_rights, found.documents) == (MN, None, True, [])
    assert [(f.code, f.label) for f in found.findings if f.remark] == [
        ("N999", "information only"), ("MA02", "information only")]


def test_a_programs_table_applies_only_its_own_group_rules_and_is_made_once() -> None:
    """The advance beneficiary notice rules (`program: medicare`) are Medicare's: a commercial
    plan's table does not apply them, Medicare's does, and each kind's table is made once."""
    medicare, commercial = CODES.for_program("medicare"), CODES.for_program("commercial")
    abn = CODES.carc["50"].groups["PR"]
    assert (CODES.applies(abn), medicare.applies(abn), commercial.applies(abn)) == (True, True, False)
    assert CODES.for_program("medicare") is medicare and commercial.for_program("commercial") is commercial
    assert commercial.for_program("medicare").applies(abn)  # asked of another kind's table, all the same


def test_a_code_table_is_freed_without_the_cyclic_collector() -> None:
    """Commands run the cyclic collector rarely (collector.py): a table and the tables made from it
    must hold no reference cycle, or every table a long test run or worker loads stays in memory."""
    table = load_code_table(REPO / "appealgen" / "rules" / "codes.yaml")
    made = table.for_program("commercial").for_program("medicare")
    refs = [weakref.ref(table), weakref.ref(made)]
    was = gc.isenabled()
    gc.disable()
    try:
        del table, made
        assert [ref() for ref in refs] == [None, None]
    finally:
        if was:
            gc.enable()
