/**
 * ISO 3166-1 alpha-2 country codes and, for the countries whose invoices
 * need a state or province, their ISO 3166-2 subdivision codes. Kept as data
 * here because no well-kept library for them is installed; Intl.DisplayNames
 * was not used as the source because it also names codes that are not
 * countries (EU, UN, ZZ, the withdrawn YU and SU).
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
   BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
   CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
   DE DJ DK DM DO DZ
   EC EE EG EH ER ES ET
   FI FJ FK FM FO FR
   GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
   HK HM HN HR HT HU
   ID IE IL IM IN IO IQ IR IS IT
   JE JM JO JP
   KE KG KH KI KM KN KP KR KW KY KZ
   LA LB LC LI LK LR LS LT LU LV LY
   MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
   NA NC NE NF NG NI NL NO NP NR NU NZ
   OM
   PA PE PF PG PH PK PL PM PN PR PS PT PW PY
   QA
   RE RO RS RU RW
   SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
   TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
   UA UG UM US UY UZ
   VA VC VE VG VI VN VU
   WF WS
   XK
   YE YT
   ZA ZM ZW`.split(/\s+/),
);
// XK (Kosovo) is a user-assigned code, not ISO's, but the European Commission,
// SWIFT and card networks use it, and a customer there needs some country.

/**
 * Regions are checked only where the list is short and invoices need it
 * (sales tax by state, GST/HST by province). Elsewhere the region is free text.
 * Codes are the part of the ISO 3166-2 code after the country ("US-CA" → "CA").
 */
export const REGION_CODES: Readonly<Record<string, ReadonlySet<string>>> = {
  US: new Set(
    `AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND
     OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI AA AE AP`.split(/\s+/),
  ),
  CA: new Set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split(" ")),
  AU: new Set("ACT NSW NT QLD SA TAS VIC WA".split(" ")),
  BR: new Set("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split(" ")),
};
