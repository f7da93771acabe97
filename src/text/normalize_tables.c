/* src/text/normalize_tables.c: the word lists of the English normaliser:
 * abbreviations and titles, measurement units, months, acronyms read as
 * words, regnal names and top-level domains. Lookups are linear: the tables
 * are small and only consulted for tokens that look like their entries. */
#include <string.h>

#include "normalize_internal.h"

static const abbrev ABBREVS[] = {
    /* titles: always before a name */
    {"mr", "mister", ABBR_TITLE},         {"mrs", "missus", ABBR_TITLE},
    {"ms", "miz", ABBR_TITLE},            {"messrs", "messieurs", ABBR_TITLE},
    {"prof", "professor", ABBR_TITLE},    {"gen", "general", ABBR_TITLE},
    {"capt", "captain", ABBR_TITLE},      {"lt", "lieutenant", ABBR_TITLE},
    {"col", "colonel", ABBR_TITLE},       {"sgt", "sergeant", ABBR_TITLE},
    {"cpl", "corporal", ABBR_TITLE},      {"maj", "major", ABBR_TITLE},
    {"adm", "admiral", ABBR_TITLE},       {"cmdr", "commander", ABBR_TITLE},
    {"rev", "reverend", ABBR_TITLE},      {"hon", "honorable", ABBR_TITLE},
    {"gov", "governor", ABBR_TITLE},      {"sen", "senator", ABBR_TITLE},
    {"rep", "representative", ABBR_TITLE}, {"pres", "president", ABBR_TITLE},
    {"supt", "superintendent", ABBR_TITLE}, {"det", "detective", ABBR_TITLE},
    {"insp", "inspector", ABBR_TITLE},    {"fr", "father", ABBR_TITLE},
    /* before a name ("St. Louis", "Dr. Watson") or after one ("Main St.") */
    {"st", "saint|street", ABBR_SAINT},   {"dr", "doctor|drive", ABBR_SAINT},
    {"mt", "mount|mount", ABBR_SAINT},    {"ft", "fort|feet", ABBR_SAINT},
    /* anywhere */
    {"vs", "versus", ABBR_WORD},          {"etc", "et cetera", ABBR_WORD},
    {"jr", "junior", ABBR_WORD},          {"sr", "senior", ABBR_WORD},
    {"ave", "avenue", ABBR_WORD},         {"blvd", "boulevard", ABBR_WORD},
    {"rd", "road", ABBR_WORD},            {"ln", "lane", ABBR_WORD},
    {"hwy", "highway", ABBR_WORD},        {"co", "company", ABBR_WORD},
    {"corp", "corporation", ABBR_WORD},   {"inc", "incorporated", ABBR_WORD},
    {"ltd", "limited", ABBR_WORD},        {"bros", "brothers", ABBR_WORD},
    {"dept", "department", ABBR_WORD},    {"univ", "university", ABBR_WORD},
    {"assn", "association", ABBR_WORD},   {"approx", "approximately", ABBR_WORD},
    {"est", "established", ABBR_WORD},    {"min", "minutes", ABBR_NUM},
    {"max", "maximum", ABBR_WORD},        {"no", "number", ABBR_NUM},
    {"nos", "numbers", ABBR_NUM},        {"vol", "volume", ABBR_NUM},
    {"vols", "volumes", ABBR_NUM},       {"ch", "chapter", ABBR_NUM},
    {"chap", "chapter", ABBR_NUM},       {"pp", "pages", ABBR_NUM},
    {"p", "page", ABBR_NUM},             {"fig", "figure", ABBR_NUM},
    {"govt", "government", ABBR_WORD},
    {"intl", "international", ABBR_WORD}, {"misc", "miscellaneous", ABBR_WORD},
    {"tel", "telephone", ABBR_NUM},
    {"ext", "extension", ABBR_NUM},      {"apt", "apartment", ABBR_NUM},
    {"sq", "square", ABBR_WORD},          {"cf", "compare", ABBR_WORD},
    {"viz", "namely", ABBR_WORD},         {"ibid", "ibidem", ABBR_WORD},
    {"mon", "monday", ABBR_DAY},         {"tue", "tuesday", ABBR_DAY},
    {"tues", "tuesday", ABBR_DAY},       {"wed", "wednesday", ABBR_DAY},
    {"thu", "thursday", ABBR_DAY},       {"thurs", "thursday", ABBR_DAY},
    {"fri", "friday", ABBR_DAY},         {"sat", "saturday", ABBR_DAY},
    {"sun", "sunday", ABBR_DAY},
    /* months */
    {"jan", "january", ABBR_MONTH},       {"feb", "february", ABBR_MONTH},
    {"mar", "march", ABBR_MONTH},         {"apr", "april", ABBR_MONTH},
    {"jun", "june", ABBR_MONTH},          {"jul", "july", ABBR_MONTH},
    {"aug", "august", ABBR_MONTH},        {"sep", "september", ABBR_MONTH},
    {"sept", "september", ABBR_MONTH},    {"oct", "october", ABBR_MONTH},
    {"nov", "november", ABBR_MONTH},      {"dec", "december", ABBR_MONTH},
};

const abbrev *find_abbrev(const char *s, size_t n) {
    if (n == 0 || n > 8) return NULL;
    for (size_t i = 0; i < sizeof ABBREVS / sizeof *ABBREVS; i++)
        if (eq_ci(s, n, ABBREVS[i].abbr)) return &ABBREVS[i];
    return NULL;
}

static const unit UNITS[] = {
    {"mm", "millimeter", "millimeters"},   {"cm", "centimeter", "centimeters"},
    {"m", "meter", "meters"},              {"km", "kilometer", "kilometers"},
    {"in", "inch", "inches"},              {"ft", "foot", "feet"},
    {"yd", "yard", "yards"},               {"yds", "yard", "yards"},
    {"mi", "mile", "miles"},               {"mg", "milligram", "milligrams"},
    {"g", "gram", "grams"},                {"kg", "kilogram", "kilograms"},
    {"t", "ton", "tons"},                  {"lb", "pound", "pounds"},
    {"lbs", "pound", "pounds"},            {"oz", "ounce", "ounces"},
    {"ml", "milliliter", "milliliters"},   {"mL", "milliliter", "milliliters"},
    {"l", "liter", "liters"},              {"L", "liter", "liters"},
    {"gal", "gallon", "gallons"},          {"mph", "mile per hour", "miles per hour"},
    {"km/h", "kilometer per hour", "kilometers per hour"},
    {"kph", "kilometer per hour", "kilometers per hour"},
    {"Hz", "hertz", "hertz"},              {"kHz", "kilohertz", "kilohertz"},
    {"MHz", "megahertz", "megahertz"},     {"GHz", "gigahertz", "gigahertz"},
    {"kB", "kilobyte", "kilobytes"},       {"KB", "kilobyte", "kilobytes"},
    {"MB", "megabyte", "megabytes"},       {"GB", "gigabyte", "gigabytes"},
    {"TB", "terabyte", "terabytes"},       {"ms", "millisecond", "milliseconds"},
    {"sec", "second", "seconds"},          {"secs", "second", "seconds"},
    {"min", "minute", "minutes"},          {"mins", "minute", "minutes"},
    {"hr", "hour", "hours"},               {"hrs", "hour", "hours"},
    {"W", "watt", "watts"},                {"kW", "kilowatt", "kilowatts"},
    {"kWh", "kilowatt hour", "kilowatt hours"},
    {"V", "volt", "volts"},                {"mA", "milliampere", "milliamperes"},
    {"dB", "decibel", "decibels"},         {"cal", "calorie", "calories"},
    {"kcal", "kilocalorie", "kilocalories"},
};

const unit *find_unit(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof UNITS / sizeof *UNITS; i++)
        if (strlen(UNITS[i].abbr) == n && !memcmp(UNITS[i].abbr, s, n)) return &UNITS[i];
    return NULL;
}

const char *const MONTH_NAMES[13] = {
    "", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"};

int month_number(const char *s, size_t n) {
    for (int m = 1; m <= 12; m++)
        if (eq_ci(s, n, MONTH_NAMES[m])) return m;
    return 0;
}

bool is_word_acronym(const char *s, size_t n) {
    return in_list_ci(s, n,
        "nasa nato unesco unicef opec aids laser radar scuba fifa nafta ikea "
        "asap awol covid gif jpeg ram rom sim pin wifi yolo snafu navy "
        "seal seals ok unix linux posix ascii basic cobol fortran");
}

bool is_common_caps_word(const char *s, size_t n) {
    return in_list_ci(s, n,
        "a i am an as at be by do go he if in is it me my no of oh on or ox "
        "so to up us we ah ha hi lo yo "
        "the and for are but not you all any can had her was one our out day "
        "get has him his how man new now old see two way who boy did its let "
        "put say she too use yes yet why end few got off own ask big bad far "
        "run sir men war god law may top red sun air art car act age "
        "this that with have from they will what when your said each more "
        "some time very then them been were into only over also back just "
        "like make most much must such even here help stop dear love good "
        "read note warning caution danger notice attention important free "
        "sale open closed exit enter push pull news only");
}

bool is_regnal_name(const char *s, size_t n) {
    return in_list_ci(s, n,
        "henry edward george william charles james richard john elizabeth "
        "mary anne victoria louis philip philippe francis frederick "
        "friedrich wilhelm peter paul pius leo gregory benedict clement "
        "innocent urban boniface alexander nicholas ivan catherine "
        "ferdinand alfonso carlos juan felipe otto rudolf gustav gustavus "
        "christian haakon olaf harald magnus eric erik karl ludwig maximilian "
        "napoleon pedro manuel sancho ramses rameses amenhotep thutmose "
        "ptolemy antiochus constantine justinian leopold sigismund stephen "
        "malcolm david robert duncan kenneth alfred canute harold matilda "
        "joseph michael umberto vittorio victor emmanuel selim "
        "mehmed murad suleiman darius xerxes cyrus artaxerxes");
}

bool is_roman_cardinal_context(const char *s, size_t n) {
    return in_list_ci(s, n,
        "chapter chapters volume volumes vol part parts book books section "
        "sections act acts scene scenes war article articles title titles "
        "phase class type level stage appendix psalm psalms canto schedule "
        "table figure plate series grade division world");
}

bool is_tld(const char *s, size_t n) {
    return in_list_ci(s, n,
        "com org net edu gov mil int io ai co uk us de fr es it nl be ch at "
        "se no dk fi pl cz ru jp cn in au ca nz br mx ie info biz dev app "
        "tv me ly eu");
}
