"""A synthetic 835 with every feature the reader handles, at any size (tests and timing)."""

from __future__ import annotations

HEADER = """ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*MEDOFFICE01    *250320*1200*^*00501*000004401*0*T*:~
GS*HP*ACMEPAYER*MEDOFFICE01*20250320*1200*4401*X*005010X221A1~
"""
TRANSACTION = """ST*835*{st}~
BPR*I*{paid}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*021000021*DA*987654321*20250321~
TRN*1*EFT{st}*1512345678~
DTM*405*20250320~
N1*PR*ACME HEALTH PLAN~
N3*1 PAYER WAY~
N4*HARTFORD*CT*06101~
REF*2U*60054~
PER*BL*PROVIDER SERVICES*TE*8005551212~
N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893~
REF*TJ*123456789~
LX*1~
{claims}PLB*1234567893*20251231*L6:INTEREST*-2.50*WO:PCN0000*10~
SE*{count}*{st}~
"""
CLAIM = """CLP*PCN{n:04d}*1*225*150*30*12*PAYER{n:06d}*11*1~
CAS*CO*45*10~
NM1*QC*1*DOE*JOHN*Q***MI*XYZ123456789~
MOA***N130*MA01~
DTM*232*20250303~
SVC*HC:99213:25*125*90**1~
DTM*472*20250303~
CAS*CO*45*15~
CAS*PR*2*20~
REF*6R*L{n}A~
AMT*B6*110~
LQ*HE*N362~
SVC*HC:93000*100*60**1~
DTM*472*20250303~
CAS*PR*1*10*1~
CAS*OA*23*20~
REF*6R*L{n}B~
"""
TRAILER = """GE*{sets}*4401~
IEA*1*000004401~
"""


def era(claims: int = 2, transactions: int = 1, newlines: bool = True) -> str:
    """`transactions` remittances of `claims` claims (two service lines each) in one file."""
    parts = [HEADER]
    for index in range(transactions):
        body = "".join(CLAIM.format(n=n) for n in range(1, claims + 1))
        text = TRANSACTION.format(
            st=f"{index + 1:04d}", paid=f"{150 * claims - 7.5:.2f}", claims=body, count="0"
        )
        parts.append(text.replace("SE*0*", f"SE*{text.count('~') - 0}*"))
    parts.append(TRAILER.format(sets=transactions))
    text = "".join(parts)
    return text if newlines else text.replace("\n", "")
