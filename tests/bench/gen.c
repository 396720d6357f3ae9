/* SPDX-License-Identifier: ISC */
/* gen.c -- deterministic generator of realistic press bulletins for the
 * benchmarks: government press-office text from templates and a vocabulary.
 *
 *   gen -n N -o DIR [--seed S]   write N bulletins under DIR
 *   gen -n N --name I [--seed S] print the path of bulletin I (1..N), write nothing
 *
 * Output depends only on N and S: each bulletin draws from its own PRNG
 * stream (splitmix64 seeded from S and its number), so the bytes, names and
 * mtimes are identical on every machine. Names look like
 * YYYY/MM/agency/bulletin-000123.txt; the date range grows with N so that no
 * directory holds more than about 700 files. Sizes spread 1..8 KiB.
 *
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra gen.c -o gen
 */
#if !defined(_GNU_SOURCE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* openat, futimens, nftw, clock_gettime */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIN_SIZE 1024
#define MAX_SIZE 8192
#define DIR_TARGET 600 /* expected files in the busiest directory */
#define WRAP 72

/* ------------------------------------------------------------------ PRNG */

typedef struct { uint64_t s; } rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) for n < 2^32, by multiply-shift (no modulo bias worth
 * caring about here, and no 128-bit arithmetic). */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static rng rng_for(uint64_t seed, uint64_t stream)
{
    rng r = { seed ^ (stream * 0xD1B54A32D192ED03ull) };
    rng_next(&r);
    return r;
}

#define PICK(r, arr) ((arr)[rng_below((r), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ------------------------------------------------------------ vocabulary */

enum { K_MINISTRY, K_WEATHER, K_COURT, K_POLICE, K_TENDER, K_HEALTH,
       K_TRANSPORT, K_STATS, K_APPOINT, K_ENV, K_COUNT };

#define B(k) (1u << (k))

typedef struct {
    const char *slug, *name, *code, *phone;
    unsigned kinds;
    unsigned weight;
} agency;

static const agency AGENCIES[] = {
    { "ministry-of-interior", "Ministry of the Interior", "MOI", "+00 20 7946 0101", B(K_POLICE) | B(K_MINISTRY), 4 },
    { "ministry-of-finance", "Ministry of Finance", "MOF", "+00 20 7946 0102", B(K_MINISTRY) | B(K_STATS) | B(K_TENDER), 3 },
    { "ministry-of-health", "Ministry of Health", "MOH", "+00 20 7946 0103", B(K_HEALTH) | B(K_MINISTRY), 3 },
    { "ministry-of-education", "Ministry of Education", "MOE", "+00 20 7946 0104", B(K_MINISTRY) | B(K_APPOINT) | B(K_TENDER), 2 },
    { "ministry-of-transport", "Ministry of Transport", "MOT", "+00 20 7946 0105", B(K_TRANSPORT) | B(K_TENDER) | B(K_MINISTRY), 3 },
    { "ministry-of-agriculture", "Ministry of Agriculture and Fisheries", "MAF", "+00 20 7946 0106", B(K_MINISTRY) | B(K_ENV), 2 },
    { "ministry-of-justice", "Ministry of Justice", "MOJ", "+00 20 7946 0107", B(K_COURT) | B(K_MINISTRY) | B(K_APPOINT), 2 },
    { "ministry-of-defence", "Ministry of Defence", "MOD", "+00 20 7946 0108", B(K_MINISTRY) | B(K_TENDER) | B(K_APPOINT), 1 },
    { "ministry-of-foreign-affairs", "Ministry of Foreign Affairs", "MFA", "+00 20 7946 0109", B(K_MINISTRY) | B(K_APPOINT), 2 },
    { "ministry-of-environment", "Ministry of the Environment", "MEN", "+00 20 7946 0110", B(K_ENV) | B(K_MINISTRY), 2 },
    { "ministry-of-labour", "Ministry of Labour and Social Affairs", "MLS", "+00 20 7946 0111", B(K_STATS) | B(K_MINISTRY), 1 },
    { "ministry-of-culture", "Ministry of Culture and Sport", "MCS", "+00 20 7946 0112", B(K_MINISTRY) | B(K_APPOINT), 1 },
    { "national-weather-service", "National Weather Service", "NWS", "+00 20 7946 0200", B(K_WEATHER), 5 },
    { "national-police", "National Police", "NPA", "+00 20 7946 0300", B(K_POLICE), 5 },
    { "high-court", "High Court", "HCT", "+00 20 7946 0400", B(K_COURT), 2 },
    { "district-court-north", "District Court (North)", "DCN", "+00 20 7946 0401", B(K_COURT), 2 },
    { "district-court-south", "District Court (South)", "DCS", "+00 20 7946 0402", B(K_COURT), 2 },
    { "court-of-appeal", "Court of Appeal", "CAP", "+00 20 7946 0403", B(K_COURT), 1 },
    { "public-procurement-office", "Public Procurement Office", "PPO", "+00 20 7946 0500", B(K_TENDER), 4 },
    { "statistics-office", "National Statistics Office", "NSO", "+00 20 7946 0600", B(K_STATS), 3 },
    { "public-health-agency", "Public Health Agency", "PHA", "+00 20 7946 0700", B(K_HEALTH), 3 },
    { "roads-authority", "National Roads Authority", "NRA", "+00 20 7946 0800", B(K_TRANSPORT) | B(K_TENDER), 3 },
    { "rail-agency", "National Rail Agency", "NRL", "+00 20 7946 0801", B(K_TRANSPORT), 2 },
    { "civil-aviation-authority", "Civil Aviation Authority", "CAA", "+00 20 7946 0802", B(K_TRANSPORT) | B(K_MINISTRY), 1 },
    { "environment-agency", "Environment Protection Agency", "EPA", "+00 20 7946 0900", B(K_ENV), 2 },
    { "water-authority", "National Water Authority", "NWA", "+00 20 7946 0901", B(K_ENV) | B(K_TENDER), 2 },
    { "fire-and-rescue-service", "Fire and Rescue Service", "FRS", "+00 20 7946 0301", B(K_POLICE), 2 },
    { "coast-guard", "Coast Guard", "CGD", "+00 20 7946 0302", B(K_WEATHER) | B(K_POLICE), 1 },
    { "prime-ministers-office", "Office of the Prime Minister", "PMO", "+00 20 7946 0001", B(K_MINISTRY) | B(K_APPOINT), 2 },
    { "parliament-press-office", "Parliament Press Office", "PAR", "+00 20 7946 0002", B(K_MINISTRY) | B(K_APPOINT), 2 },
    { "central-bank", "Central Bank", "CBK", "+00 20 7946 0003", B(K_STATS) | B(K_MINISTRY), 2 },
    { "capital-city-council", "Capital City Council", "CCC", "+00 20 7946 1000", B(K_TENDER) | B(K_TRANSPORT) | B(K_ENV), 3 },
    { "regional-government-east", "Regional Government of the East", "RGE", "+00 20 7946 1100", B(K_MINISTRY) | B(K_TENDER) | B(K_HEALTH), 2 },
    { "regional-government-west", "Regional Government of the West", "RGW", "+00 20 7946 1200", B(K_MINISTRY) | B(K_TENDER) | B(K_TRANSPORT), 2 },
    { "customs-service", "Customs and Excise Service", "CES", "+00 20 7946 1300", B(K_POLICE) | B(K_STATS), 1 },
    { "data-protection-authority", "Data Protection Authority", "DPA", "+00 20 7946 1400", B(K_COURT) | B(K_MINISTRY), 1 },
};
#define N_AGENCIES (sizeof(AGENCIES) / sizeof(AGENCIES[0]))

static const char *const KIND_LABEL[K_COUNT] = {
    "Ministry statement", "Weather warning", "Court notice", "Police report", "Tender notice",
    "Public health advisory", "Transport notice", "Statistical release", "Appointment", "Environment notice",
};

static const char *const PLACES[] = {
    "Northbridge", "Eastmoor", "Kellford", "Alderton", "Marsh End", "Redcliff", "Westhaven", "Stonebury",
    "Lowmere", "Ashby Vale", "Brennick", "Carrow", "Dunmore", "Elmstead", "Fennick", "Glenhurst", "Harwick",
    "Irvale", "Juniper Bay", "Kingsreach", "Larkfield", "Millbrook", "Newhaven", "Oakridge", "Pendle Cross",
    "Queensferry", "Ravensholt", "Saltmarsh", "Thornbury", "Upper Wyke", "Valemouth", "Whitcombe",
    "Yarrow Green", "Brightwater", "Castlegate", "Fairlight", "Holloway", "Portsea", "Rookwood", "Sandhurst",
};
static const char *const REGIONS[] = {
    "the northern region", "the eastern region", "the western region", "the southern region",
    "the central lowlands", "the coastal districts", "the upland counties", "the capital region",
    "the river valley", "the islands",
};
static const char *const FIRST[] = {
    "Anna", "Thomas", "Maria", "James", "Sofia", "Daniel", "Laura", "Peter", "Elena", "Michael", "Clara",
    "David", "Hannah", "Robert", "Julia", "Martin", "Sarah", "Paul", "Eva", "Andrew", "Nadia", "Simon",
    "Helen", "Mark", "Irene", "Stefan", "Grace", "Victor", "Ruth", "Oliver", "Marta", "Lucas", "Ines",
    "Samuel", "Teresa", "Adrian", "Katarina", "Jonas", "Miriam", "Felix",
};
static const char *const LAST[] = {
    "Andersen", "Brooks", "Castell", "Duarte", "Ellison", "Fischer", "Grant", "Halvorsen", "Ibsen",
    "Jansen", "Keller", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Santos",
    "Toivonen", "Urban", "Varga", "Whitaker", "Xavier", "Young", "Zielinski", "Abbott", "Bergström",
    "Costa", "Dalton", "Engel", "Ferreira", "Gallagher", "Horvath", "Iversen", "Kowalski", "Larsen",
    "Marsh", "Nilsen", "O'Brien", "Palmer", "Reyes", "Sato", "Tanaka", "Vidal", "Weber", "Holm",
};
static const char *const ROLES[] = {
    "the Minister", "the Deputy Minister", "the Permanent Secretary", "the Chief Executive",
    "the Director General", "the head of communications", "the Chief Inspector", "a senior spokesperson",
    "the programme director", "the regional director", "the Chief Medical Officer", "the duty forecaster",
    "the Chief Superintendent", "the presiding judge", "the head of procurement", "the chief statistician",
};
static const char *const STREETS[] = {
    "High Street", "Station Road", "Mill Lane", "Church Street", "Harbour Road", "Market Square",
    "Victoria Avenue", "Bridge Street", "Park Road", "Queen's Parade", "North Circular Road", "Canal Walk",
    "Elm Grove", "Castle Hill", "Riverside Drive", "King Street",
};
static const char *const ROADS[] = {
    "the A14", "the A7", "the M2", "the M4 motorway", "Route 31", "Route 9", "the B2150", "the coast road",
    "the ring road", "the A40 bypass", "the northern expressway", "the valley road",
};
static const char *const HAZARDS[] = {
    "heavy rain", "strong winds", "snow", "ice", "thunderstorms", "dense fog", "extreme heat",
    "coastal flooding", "gale-force winds", "freezing rain",
};
static const char *const LEVELS[] = { "yellow", "yellow", "yellow", "amber", "amber", "orange", "red" };
static const char *const ITEMS[] = {
    "road resurfacing works", "the supply of office furniture", "IT support services", "school catering",
    "the maintenance of street lighting", "cleaning services for public buildings", "the construction of a footbridge",
    "the supply of ambulances", "translation services", "the renovation of the town hall",
    "waste collection services", "the supply of medical equipment", "consultancy on flood defences",
    "the design of a new library", "security services", "winter gritting services", "legal advisory services",
    "the replacement of water mains", "the supply of school laptops", "bus shelter maintenance",
};
static const char *const ORGS[] = {
    "the city council", "the regional hospital trust", "the national university", "the chamber of commerce",
    "the ports authority", "local police", "the fire and rescue service", "the housing association",
    "the employers' federation", "the trade union confederation", "the consumer council", "the ombudsman",
    "the audit office", "the electoral commission", "emergency services", "volunteer groups",
};
static const char *const OFFENCES[] = {
    "a burglary", "the theft of a vehicle", "an assault", "criminal damage", "a robbery at a petrol station",
    "dangerous driving", "the theft of copper cable", "a fraud targeting elderly residents",
    "a break-in at a pharmacy", "the supply of controlled drugs", "an arson attack on a warehouse",
    "a hit-and-run collision",
};
static const char *const VEHICLES[] = {
    "a silver hatchback", "a dark blue van", "a white pick-up truck", "a red motorcycle", "a black saloon",
    "a grey estate car", "a green delivery lorry",
};
static const char *const TOPICS[] = {
    "the national budget", "affordable housing", "public transport", "rural broadband", "pension reform",
    "energy prices", "school funding", "hospital waiting times", "climate adaptation", "youth employment",
    "digital public services", "the labour market", "water security", "food safety", "cross-border trade",
    "road safety", "the minimum wage", "adult literacy",
};
static const char *const COURTS[] = {
    "the High Court", "the District Court in Northbridge", "the District Court in Valemouth",
    "the Court of Appeal", "the Administrative Court", "the Magistrates' Court in Kellford",
};
static const char *const INDICATORS[] = {
    "consumer prices", "industrial production", "retail sales", "the unemployment rate", "house prices",
    "exports of goods", "household disposable income", "construction output", "overnight stays in hotels",
    "new business registrations", "average weekly earnings", "agricultural output",
};
static const char *const DISEASES[] = {
    "measles", "seasonal influenza", "norovirus", "Legionnaires' disease", "whooping cough", "salmonella",
    "tick-borne encephalitis", "hepatitis A",
};
static const char *const POLLUTANTS[] = {
    "nitrogen dioxide", "fine particulate matter", "E. coli bacteria", "blue-green algae", "diesel fuel",
    "agricultural run-off", "ground-level ozone",
};
static const char *const WEEKDAYS[] = { "Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday" };
static const char *const MONTHS[] = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
};
static const char *const QUOTE_A[] = {
    "We are committed to", "Our priority remains", "This decision is about", "We will continue",
    "Today's announcement is a clear step towards", "The government is determined to keep", "It is essential that we keep",
    "Residents can be assured that we are", "This work is central to", "We owe it to the public to keep",
};
static const char *const QUOTE_B[] = {
    "protecting the people who rely on these services every day.",
    "making sure that every community benefits, not only the largest towns.",
    "spending public money carefully and transparently.",
    "working closely with local partners over the coming months.",
    "keeping the public informed at every stage.",
    "delivering on the commitments we made to voters.",
    "learning from what has worked elsewhere and applying it here.",
    "putting safety first, whatever the cost.",
    "listening to the concerns raised during the consultation.",
};

/* ------------------------------------------------------------- templates
 * Placeholders: {P} place  {R} region  {N} person  {J} role  {M} agency
 * {S} street  {D} a date near the issue date  {T} time  {n} 2..60
 * {k} 100..9,999  {K} 10,000..999,999  {p} percent  {a} amount  {c} case number
 * {r} road  {w} hazard  {l} warning level  {i} tender item  {g} organisation
 * {o} offence  {v} vehicle  {t} topic  {q} court  {x} indicator  {z} disease
 * {A} adult age  {u} pollutant  {d} weekday  {y} year  {Q} quote  {h} hour count  {e} email domain
 */
typedef struct {
    const char *const *titles; unsigned n_titles;
    const char *const *body; unsigned n_body;
} kind_tpl;

#define ARR(a) a, (unsigned)(sizeof(a) / sizeof(a[0]))

static const char *const T_MIN[] = {
    "Minister sets out new plan on {t}", "Statement on {t} following cabinet meeting",
    "Government publishes review of {t}", "Consultation opens on {t}", "Minister visits {P} to discuss {t}",
    "Annual report on {t} laid before Parliament", "New funding of {a} announced for {t}",
};
static const char *const S_MIN[] = {
    "The {M} today published its long-awaited review of {t}, setting out {n} recommendations for the next {n} years.",
    "{N}, {J}, said the proposals had been shaped by more than {k} responses to the public consultation.",
    "The plan includes funding of {a}, to be allocated to {g} and to local authorities in {R}.",
    "A first progress report is expected on {D}, after which the measures will be reviewed.",
    "The announcement follows a meeting of the cabinet on {d}, at which ministers discussed {t} and {t}.",
    "Officials will hold briefings in {P}, {P} and {P} over the coming weeks.",
    "Opposition members have called for a debate in Parliament before the measures take effect.",
    "According to the {M}, around {p} per cent of the budget will be spent in the first year.",
    "The review found that demand had risen by {p} per cent since {y}, while capacity had barely changed.",
    "{g} welcomed the announcement but said further detail was needed on timing.",
    "Speaking in {P} on {d}, {N} said: \"{Q}\"",
    "The full text of the report, together with an easy-read summary, is available on the {M} website.",
    "Responses to the consultation can be submitted until {D} by post or online.",
    "The measures will require amendments to {n} items of secondary legislation.",
    "An independent panel chaired by {N} will monitor progress and report annually.",
    "The {M} estimates that the changes will affect about {K} households.",
};
static const char *const T_WEA[] = {
    "{l} warning for {w} in {R}", "Weather warning: {w} expected on {d}", "{w} warning extended to {R}",
    "Severe weather update: {w} across {R}", "Warning of {w} for {P} and surrounding areas",
};
static const char *const S_WEA[] = {
    "The National Weather Service has issued a {l} warning for {w} covering {R}, valid from {T} on {d} until {T} on {D}.",
    "Forecasters expect {n} to {n} millimetres of rain in places, with up to {n} millimetres on higher ground.",
    "Gusts of {n} to {n} miles per hour are likely along exposed coasts and hills.",
    "Travel disruption is likely, and there is a small chance of power cuts in rural areas.",
    "Drivers are advised to allow extra time for journeys and to avoid {r} where possible.",
    "{N}, {J}, said: \"Conditions will deteriorate quickly during the afternoon, and we urge people to check the latest forecast before setting out.\"",
    "The warning may be upgraded if the system tracks further north than currently expected.",
    "Temperatures will fall to minus {n} degrees overnight in sheltered valleys.",
    "Flood alerts are in force for the rivers around {P} and {P}.",
    "Emergency services and {g} have been informed and are preparing for the conditions.",
    "The next update will be issued at {T} or sooner if the situation changes.",
    "Ferry services from {P} may be cancelled at short notice.",
    "Residents of low-lying areas near {P} should move valuables upstairs and follow advice from {g}.",
    "The outlook for the weekend is for drier but colder conditions, with frost in many places.",
};
static const char *const T_COU[] = {
    "Notice of hearing in case {c}", "Judgment delivered in case {c}", "{q}: sentencing in case {c}",
    "Court schedule for the week of {D}", "Public notice: appeal lodged in case {c}",
};
static const char *const S_COU[] = {
    "Notice is hereby given that {q} will sit on {D} at {T} to hear case {c}.",
    "The case concerns {o} alleged to have taken place in {P} on {D}.",
    "The defendant, a {A}-year-old resident of {P}, has pleaded not guilty to all charges.",
    "The presiding judge, {N}, reserved judgment until {D}.",
    "Members of the public and accredited journalists may attend; seating is limited to {n} places.",
    "Reporting restrictions apply to the names of witnesses under the age of eighteen.",
    "In a written judgment of {n} pages, the court found that the authority had acted within its powers.",
    "The court ordered the claimant to pay costs of {a}.",
    "The defendant was sentenced to {n} months' imprisonment, suspended for {n} months, and ordered to complete {k} hours of unpaid work.",
    "Counsel for the appellant, {N}, argued that the original hearing had not considered new evidence.",
    "A full copy of the judgment will be published on the court's website within {n} working days.",
    "Parties to case {c} must file written submissions by {T} on {D}.",
    "The hearing will take place in courtroom {n}, {S}, {P}.",
    "Any person with an interest in the proceedings may apply to be heard before {D}.",
};
static const char *const T_POL[] = {
    "Appeal for witnesses after {o} in {P}", "Arrest made following {o} in {P}",
    "Police warn residents in {P} about {o}", "Road closed after collision on {r}",
    "Weekly incident summary for {R}", "Man charged after {o} in {P}",
};
static const char *const S_POL[] = {
    "Police are appealing for witnesses after {o} on {S}, {P}, at about {T} on {d}.",
    "Officers were called to the scene and a {A}-year-old man was arrested on suspicion of {o}.",
    "He remains in custody while enquiries continue.",
    "Anyone who saw {v} in the area between {T} and {T} is asked to contact police, quoting reference {c}.",
    "Detective Inspector {N} said: \"We are keen to speak to anyone who was on {S} that evening, however insignificant their information may seem.\"",
    "The road was closed for {h} hours while collision investigators examined the scene.",
    "A {A}-year-old woman was taken to hospital with injuries that are not thought to be life-threatening.",
    "Patrols have been increased in {P} and officers will be visiting businesses on {S}.",
    "Information can also be given anonymously through the independent crime reporting line.",
    "Firefighters from {P} and {P} attended and the blaze was under control by {T}.",
    "In the past week, officers in {R} responded to {k} calls and made {n} arrests.",
    "The force reminds residents to keep doors and windows locked and to mark valuable property.",
    "Two other people were released without charge.",
    "{g} is supporting the family of the victim.",
};
static const char *const T_TEN[] = {
    "Contract notice: {i}", "Invitation to tender for {i} in {P}", "Award notice: {i}",
    "Prior information notice: {i}", "Tender deadline extended for {i}",
};
static const char *const S_TEN[] = {
    "The contracting authority invites tenders for {i} in {P} and {R}.",
    "The estimated value of the contract is {a}, excluding value added tax.",
    "The contract will run for {n} months, with an option to extend by a further {n} months.",
    "Tenders must be submitted through the electronic procurement portal by {T} on {D}.",
    "Clarification questions may be submitted until {D}; answers will be published to all bidders.",
    "The contract is divided into {n} lots; bidders may tender for one or more lots.",
    "Award will be made on the basis of the most economically advantageous tender, with quality weighted at {p} per cent.",
    "Bidders must show an annual turnover of at least {a} in each of the last three financial years.",
    "A site visit will take place on {D} at {T}, starting at {S}, {P}.",
    "The contract was awarded to a consortium led by a company based in {P}, which scored {n} points out of 100.",
    "{k} tenders were received, of which {n} were found to be compliant.",
    "The reference number of this procedure is {c}.",
    "Small and medium-sized enterprises are encouraged to apply, either alone or as part of a group.",
    "Standstill period: the contract will not be concluded before {D}.",
};
static const char *const T_HEA[] = {
    "Health advice on {z} after cases in {P}", "Vaccination clinics open in {R}",
    "Public health update: {z}", "Advice for the public during {w}", "Hospital visiting restrictions in {P}",
};
static const char *const S_HEA[] = {
    "The Public Health Agency has confirmed {n} cases of {z} in {P} since {D}.",
    "Most cases have been mild, but {n} people have needed hospital treatment.",
    "People with symptoms are asked to stay at home and to contact their doctor by telephone before visiting.",
    "Additional vaccination clinics will run at {S}, {P}, from {T} to {T} on {d}s until {D}.",
    "{N}, {J}, said: \"Vaccination remains the best protection, and it is never too late to catch up.\"",
    "Health professionals have been asked to report suspected cases within {n} hours.",
    "Vaccine uptake among young children in {R} stands at {p} per cent, below the national target.",
    "Visiting at the hospitals in {P} is restricted to one visitor per patient until further notice.",
    "The agency is working with {g} to trace close contacts.",
    "Advice in {n} languages is available from pharmacies and on the agency's website.",
    "Good hand hygiene reduces the spread of infection; alcohol gel does not work against all viruses.",
    "The risk to the general public remains low.",
};
static const char *const T_TRA[] = {
    "Roadworks on {r} near {P}", "Rail services disrupted between {P} and {P}", "New timetable from {D}",
    "Overnight closures of {r}", "Bridge in {P} to reopen on {D}", "Changes to bus routes in {P}",
};
static const char *const S_TRA[] = {
    "{r} will be closed between the {P} and {P} junctions from {T} to {T} on {n} nights from {D}.",
    "A signed diversion will be in place via {r}, adding about {n} minutes to journeys.",
    "The work, costing {a}, will replace {k} metres of worn surface and renew drainage.",
    "Trains between {P} and {P} will be replaced by buses on {d} while engineers renew track.",
    "Passengers are advised to check before they travel, as journeys may take up to {n} minutes longer.",
    "The new timetable adds {n} trains a day and extends evening services to {P}.",
    "Cyclists and pedestrians will be able to use the footway throughout the works.",
    "{N}, {J}, said: \"We know closures are frustrating and we have planned the works to cause the least possible disruption.\"",
    "Traffic volumes on {r} have risen by {p} per cent since {y}.",
    "A temporary speed limit of {n} miles per hour will apply through the works.",
    "Bus routes {n} and {n} will be diverted along {S} and will not serve {S}.",
    "Season ticket holders affected by the changes may claim compensation.",
    "The bridge has been strengthened to carry vehicles of up to {n} tonnes.",
};
static const char *const T_STA[] = {
    "{x}: figures for {m} {y}", "Statistical release: {x}, quarter {n}", "{x} rose by {p} per cent",
    "{x} in {R}: annual estimates", "Revised estimates of {x}",
};
static const char *const S_STA[] = {
    "{x} rose by {p} per cent in the twelve months to {m}, compared with {p} per cent in the previous month.",
    "On a monthly basis, {x} fell by {p} per cent.",
    "The largest upward contribution came from {R}, where {x} increased by {p} per cent.",
    "The estimate is based on a sample of {K} businesses and households.",
    "Figures for previous periods have been revised following the annual benchmarking exercise.",
    "The next release, covering {m}, is scheduled for {D} at {T}.",
    "Seasonally adjusted, the index stood at {k}.{n} points.",
    "These statistics are designated as official statistics and follow the code of practice.",
    "{N}, {J}, said: \"The underlying trend remains broadly stable, although there is considerable variation between regions.\"",
    "Around {p} per cent of respondents reported an increase compared with a year earlier.",
    "Detailed tables, including breakdowns by region and industry, are available in the accompanying dataset.",
    "Users should note that estimates for small areas are subject to larger sampling error.",
};
static const char *const T_APP[] = {
    "{N} appointed {J}", "New chair announced for {g}", "Appointment of {N} to the board",
    "Ambassador to be appointed", "{J} to step down",
};
static const char *const S_APP[] = {
    "The {M} is pleased to announce the appointment of {N} as {J}, with effect from {D}.",
    "{N} has served in the public service for {n} years, most recently as head of the office in {P}.",
    "Before that, {N} worked for {g} and led the review of {t}.",
    "The appointment was made following an open competition overseen by the public appointments commissioner.",
    "The post carries a salary of {a} a year.",
    "{N} said: \"I am honoured to take on this role and look forward to working with colleagues across {R}.\"",
    "The outgoing postholder, {N}, was thanked for {n} years of dedicated service.",
    "The appointment is for a term of {n} years and may be renewed once.",
    "Declarations of interest will be published in the register within {n} days.",
    "{N} studied law at the national university and holds a degree in public administration.",
};
static const char *const T_ENV[] = {
    "Bathing water advice for {P}", "Air quality alert in {P}", "Pollution incident on the river near {P}",
    "Water restrictions in {R}", "Fines issued for illegal waste dumping near {P}",
};
static const char *const S_ENV[] = {
    "Tests at {n} sites near {P} found raised levels of {u} after heavy rain on {d}.",
    "Swimming is not advised at the affected beaches until further samples have been taken.",
    "Levels of {u} in {P} are expected to exceed the hourly limit between {T} and {T}.",
    "People with heart or lung conditions should reduce strenuous activity outdoors.",
    "Officers from the agency are working with {g} to find the source of the pollution.",
    "About {k} fish were found dead along a {n}-kilometre stretch of the river.",
    "Reservoir levels in {R} stand at {p} per cent of capacity, compared with {p} per cent at this time last year.",
    "A temporary ban on the use of hosepipes will apply from {D}.",
    "The company was fined {a} and ordered to pay costs after admitting {n} offences.",
    "Members of the public can report pollution to the 24-hour incident line.",
    "{N}, {J}, said: \"Our rivers are a shared resource and we will not hesitate to prosecute those who damage them.\"",
    "Results are published daily on the agency's website and on signs at each site.",
};

static const kind_tpl KINDS[K_COUNT] = {
    { ARR(T_MIN), ARR(S_MIN) }, { ARR(T_WEA), ARR(S_WEA) }, { ARR(T_COU), ARR(S_COU) },
    { ARR(T_POL), ARR(S_POL) }, { ARR(T_TEN), ARR(S_TEN) }, { ARR(T_HEA), ARR(S_HEA) },
    { ARR(T_TRA), ARR(S_TRA) }, { ARR(T_STA), ARR(S_STA) }, { ARR(T_APP), ARR(S_APP) },
    { ARR(T_ENV), ARR(S_ENV) },
};

/* Sentences that fit any kind; mixed into every bulletin's deck so long
 * bulletins do not repeat their kind's sentences. */
static const char *const S_GEN[] = {
    "The {M} has been in contact with {g} and will continue to monitor the situation.",
    "{N}, {J} at the {M}, said: \"{Q}\"",
    "Members of the public with questions can call the information line between 09:00 and 17:00, Monday to Friday.",
    "The matter was raised at a meeting of the regional committee in {P} on {d}.",
    "A summary of the main points will be translated into {n} languages.",
    "The {M} has issued {n} similar notices so far this year.",
    "Local councillors in {P} and {P} have been briefed.",
    "Figures published last year showed a rise of {p} per cent in {R}.",
    "The {M} thanked {g} and {g} for their cooperation.",
    "A public meeting will be held at the community hall, {S}, {P}, on {D} at {T}.",
    "Further details, including maps and a list of frequently asked questions, are published online.",
    "The decision can be appealed within {n} days of the date of this notice.",
    "Accessible versions of this notice, including large print and audio, are available on request.",
    "The {M} will publish a further update on {D}.",
    "Last year the {M} handled {K} enquiries from the public, most of them online.",
    "Representatives of {g} attended the briefing in {P} on {d}.",
    "It is the first step of its kind since {y}.",
    "The information in this notice was correct at {T} on the day of issue.",
    "In a separate development, {g} said it would review its own procedures.",
    "{N}, who represents {P} in Parliament, welcomed the news and said: \"{Q}\"",
    "Staff in {P} and {P} have been given additional training.",
    "The cost of {a} will be met from existing budgets.",
    "Comments received after {D} may not be taken into account.",
    "A recording of the briefing will remain available for {n} days.",
    "The {M} works closely with {g} on matters of this kind.",
};
#define N_GEN (sizeof(S_GEN) / sizeof(S_GEN[0]))

static const char *const CLOSERS[] = {
    "Further information will be published as it becomes available.",
    "This notice replaces any earlier notice on the same subject.",
    "Updates will be posted on the official website and social media channels.",
    "Journalists requiring further information should contact the press office.",
    "Interviews may be arranged on request.",
};

/* ----------------------------------------------------------------- dates */

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) /* m 1..12 */
{
    static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return d[m - 1] + (m == 2 && is_leap(y));
}

/* Days since 1970-01-01 of the first of month m (1..12) in year y >= 1970. */
static int64_t days_of(int y, int m)
{
    static const int cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int64_t p = y - 1;
    int64_t leaps = (p / 4 - p / 100 + p / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
    return 365 * (int64_t)(y - 1970) + leaps + cum[m - 1] + (m > 2 && is_leap(y));
}

/* The corpus always ends in June 2025 and reaches back as far as it must. */
#define END_YEAR 2025
#define END_MONTH 6

typedef struct {
    uint64_t n;          /* bulletins in the corpus */
    int months;          /* months covered */
    int y0, m0;          /* first month */
    int64_t day0;        /* days since epoch of the first day */
    int64_t days;        /* days covered */
    uint32_t wsum;       /* sum of agency weights */
    int width;           /* digits of the bulletin number */
} plan;

static void plan_init(plan *pl, uint64_t n)
{
    uint32_t wmax = 0;
    pl->n = n;
    pl->wsum = 0;
    for (size_t a = 0; a < N_AGENCIES; a++) {
        pl->wsum += AGENCIES[a].weight;
        if (AGENCIES[a].weight > wmax)
            wmax = AGENCIES[a].weight;
    }
    /* busiest directory ~ n / months * wmax / wsum; keep it near DIR_TARGET */
    uint64_t months = (n * wmax + (uint64_t)pl->wsum * DIR_TARGET - 1) / ((uint64_t)pl->wsum * DIR_TARGET);
    if (months < 12)
        months = 12;
    if (months > 12 * 50)
        months = 12 * 50;
    pl->months = (int)months;
    int idx = END_YEAR * 12 + (END_MONTH - 1) - (pl->months - 1);
    pl->y0 = idx / 12;
    pl->m0 = idx % 12 + 1;
    pl->day0 = days_of(pl->y0, pl->m0);
    pl->days = days_of(END_YEAR, END_MONTH) + month_days(END_YEAR, END_MONTH) - pl->day0;
    pl->width = 6;
    for (uint64_t x = n; x >= 1000000; x /= 10)
        pl->width++;
}

typedef struct {
    uint64_t number;     /* 1..n */
    const agency *ag;
    unsigned kind;
    int64_t issued;      /* Unix seconds */
    int year, month, day, hour, minute, wday;
    int month_index;     /* 0..months-1 */
} meta;

static void civil_from_days(int64_t days, int y_hint, int *y, int *m, int *d)
{
    int yy = y_hint, mm = 1;
    while (days_of(yy + 1, 1) <= days)
        yy++;
    while (mm < 12 && days_of(yy, mm + 1) <= days)
        mm++;
    *y = yy;
    *m = mm;
    *d = (int)(days - days_of(yy, mm)) + 1;
}

/* Everything about bulletin `number` except its text; the first draws of its
 * PRNG stream, so --name and the writer agree. */
static void meta_for(const plan *pl, uint64_t seed, uint64_t number, meta *mt, rng *r)
{
    *r = rng_for(seed, number);
    mt->number = number;
    uint32_t w = rng_below(r, pl->wsum);
    size_t a = 0;
    while (w >= AGENCIES[a].weight) {
        w -= AGENCIES[a].weight;
        a++;
    }
    mt->ag = &AGENCIES[a];
    unsigned kinds[K_COUNT], nk = 0;
    for (unsigned k = 0; k < K_COUNT; k++)
        if (mt->ag->kinds & B(k))
            kinds[nk++] = k;
    mt->kind = kinds[rng_below(r, nk)];
    /* Days advance with the number, so bulletin numbers follow issue dates. */
    int64_t day = pl->day0 + (int64_t)((number - 1) * (uint64_t)pl->days / pl->n);
    civil_from_days(day, pl->y0, &mt->year, &mt->month, &mt->day);
    mt->month_index = (mt->year - pl->y0) * 12 + (mt->month - pl->m0);
    mt->hour = 7 + (int)rng_below(r, 12);
    mt->minute = (int)rng_below(r, 12) * 5;
    mt->wday = (int)(day % 7);
    mt->issued = day * 86400 + mt->hour * 3600 + mt->minute * 60;
}

static int path_of(const plan *pl, const meta *mt, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%04d/%02d/%s/bulletin-%0*" PRIu64 ".txt", mt->year, mt->month,
                    mt->ag->slug, pl->width, mt->number);
}

/* ---------------------------------------------------------------- text */

typedef struct { char *p; size_t len, cap; } sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap)
        n = b->cap - b->len; /* cannot happen with the size bounds below */
    memcpy(b->p + b->len, s, n);
    b->len += n;
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }
static void putf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

static void put_grouped(sbuf *b, uint32_t v)
{
    if (v >= 1000)
        putf(b, "%u,%03u", v / 1000, v % 1000);
    else
        putf(b, "%u", v);
}

static void put_date_near(sbuf *b, rng *r, const meta *mt)
{
    int64_t day = (mt->issued / 86400) + 1 + rng_below(r, 40);
    int y, m, d;
    civil_from_days(day, mt->year, &y, &m, &d);
    putf(b, "%d %s %d", d, MONTHS[m - 1], y);
}

/* Every argument list below draws from the PRNG at most once: C leaves the
 * order of argument evaluation open, and gcc and clang differ. */
static void expand(sbuf *b, rng *r, const meta *mt, const char *t)
{
    while (*t) {
        const char *open = strchr(t, '{');
        if (!open) {
            puts_(b, t);
            return;
        }
        put(b, t, (size_t)(open - t));
        char c = open[1];
        t = open + 3; /* "{x}" */
        switch (c) {
        case 'P': puts_(b, PICK(r, PLACES)); break;
        case 'R': puts_(b, PICK(r, REGIONS)); break;
        case 'N': {
            const char *first = PICK(r, FIRST);
            putf(b, "%s %s", first, PICK(r, LAST));
            break;
        }
        case 'J': puts_(b, PICK(r, ROLES)); break;
        case 'M': puts_(b, mt->ag->name); break;
        case 'S': {
            uint32_t no = 1 + rng_below(r, 180);
            putf(b, "%u %s", no, PICK(r, STREETS));
            break;
        }
        case 'D': put_date_near(b, r, mt); break;
        case 'T': {
            uint32_t hh = 8 + rng_below(r, 11);
            putf(b, "%02u:%02u", hh, rng_below(r, 4) * 15);
            break;
        }
        case 'n': putf(b, "%u", 2 + rng_below(r, 59)); break;
        case 'A': putf(b, "%u", 18 + rng_below(r, 63)); break;
        case 'h': putf(b, "%u", 1 + rng_below(r, 9)); break;
        case 'k': put_grouped(b, 100 + rng_below(r, 9900)); break;
        case 'K': put_grouped(b, 10000 + rng_below(r, 990000)); break;
        case 'p': {
            uint32_t whole = rng_below(r, 40);
            putf(b, "%u.%u", whole, rng_below(r, 10));
            break;
        }
        case 'a':
            if (rng_below(r, 2)) {
                uint32_t millions = 1 + rng_below(r, 250);
                putf(b, "%u.%u million euros", millions, rng_below(r, 10));
            }
            else {
                put_grouped(b, 5 + rng_below(r, 995));
                puts_(b, ",000 euros");
            }
            break;
        case 'c': putf(b, "%s-%d-%05u", mt->ag->code, mt->year, rng_below(r, 100000)); break;
        case 'r': puts_(b, PICK(r, ROADS)); break;
        case 'w': puts_(b, PICK(r, HAZARDS)); break;
        case 'l': puts_(b, PICK(r, LEVELS)); break;
        case 'i': puts_(b, PICK(r, ITEMS)); break;
        case 'g': puts_(b, PICK(r, ORGS)); break;
        case 'o': puts_(b, PICK(r, OFFENCES)); break;
        case 'v': puts_(b, PICK(r, VEHICLES)); break;
        case 't': puts_(b, PICK(r, TOPICS)); break;
        case 'q': puts_(b, PICK(r, COURTS)); break;
        case 'x': puts_(b, PICK(r, INDICATORS)); break;
        case 'z': puts_(b, PICK(r, DISEASES)); break;
        case 'u': puts_(b, PICK(r, POLLUTANTS)); break;
        case 'd': puts_(b, WEEKDAYS[rng_below(r, 7)]); break;
        case 'm': puts_(b, MONTHS[rng_below(r, 12)]); break;
        case 'y': putf(b, "%d", mt->year - 1 - (int)rng_below(r, 6)); break;
        case 'Q': {
            const char *a = PICK(r, QUOTE_A);
            putf(b, "%s %s", a, PICK(r, QUOTE_B));
            break;
        }
        default: put(b, open, 3); break;
        }
    }
}

/* Append s (one paragraph, no newlines) to b, wrapped at WRAP columns. */
static void put_wrapped(sbuf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i + WRAP;
        if (end >= n) {
            put(b, s + i, n - i);
            break;
        }
        size_t sp = end;
        while (sp > i && s[sp] != ' ')
            sp--;
        if (sp == i) { /* one long word: break at the next space */
            sp = end;
            while (sp < n && s[sp] != ' ')
                sp++;
        }
        put(b, s + i, sp - i);
        put(b, "\n", 1);
        i = sp < n ? sp + 1 : sp;
    }
    put(b, "\n", 1);
}

static void shuffle(rng *r, const char **a, unsigned n)
{
    for (unsigned i = n; i > 1; i--) {
        unsigned j = rng_below(r, i);
        const char *t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* The whole bulletin into out (capacity > MAX_SIZE + slack); returns bytes. */
static size_t render(const meta *mt, rng *r, char *out, size_t cap)
{
    const kind_tpl *k = &KINDS[mt->kind];
    char para_mem[4096];
    sbuf b = { out, 0, cap };
    sbuf para = { para_mem, 0, sizeof para_mem };

    /* Skewed towards 2-4 KiB, mean about 3.5 KiB, never outside 1..8 KiB. */
    /* 1100 + 6400 * (0.6 u^2 + 0.4 u) for u in [0,1), in integers so that no
     * compiler's floating-point contraction can change a size. */
    uint64_t u = rng_below(r, 65536);
    size_t target = 1100 + (size_t)(6400 * (3 * u * u / 65536 + 2 * u) / 5 / 65536);

    para.len = 0;
    expand(&para, r, mt, k->titles[rng_below(r, k->n_titles)]);
    if (para.len && para.p[0] >= 'a' && para.p[0] <= 'z')
        para.p[0] = (char)(para.p[0] - 'a' + 'A');
    put(&b, para.p, para.len);
    putf(&b, "\nIssued: %04d-%02d-%02d %02d:%02d UTC\n", mt->year, mt->month, mt->day, mt->hour, mt->minute);
    putf(&b, "Source: %s, Press Office\n", mt->ag->name);
    putf(&b, "Reference: %s/%04d/%0*" PRIu64 "\n", mt->ag->code, mt->year, 6, mt->number % 1000000);
    putf(&b, "Category: %s\n\n", KIND_LABEL[mt->kind]);

    /* A shuffled deck of this kind's sentences and the generic ones, drawn
     * without repetition until it runs out. */
    const char *deck[64];
    unsigned nd = 0, next = 0;
    for (unsigned i = 0; i < k->n_body && nd < 64; i++)
        deck[nd++] = k->body[i];
    for (unsigned i = 0; i < N_GEN && nd < 64; i++)
        deck[nd++] = S_GEN[i];
    /* kind sentences lead: shuffle them among themselves, the rest after */
    shuffle(r, deck, k->n_body);
    shuffle(r, deck + k->n_body, nd - k->n_body);

    int first = 1;
    while (b.len < target) {
        unsigned sentences = 2 + rng_below(r, 4);
        para.len = 0;
        if (first) {
            putf(&para, "%s, %d %s %d -- ", PICK(r, PLACES), mt->day, MONTHS[mt->month - 1], mt->year);
            first = 0;
        }
        for (unsigned s = 0; s < sentences && b.len + para.len < target; s++) {
            size_t at = para.len;
            if (s)
                put(&para, " ", 1), at++;
            if (next == nd) {
                shuffle(r, deck, nd);
                next = 0;
            }
            expand(&para, r, mt, deck[next++]);
            if (para.p[at] >= 'a' && para.p[at] <= 'z')
                para.p[at] = (char)(para.p[at] - 'a' + 'A');
        }
        put_wrapped(&b, para.p, para.len);
        put(&b, "\n", 1);
    }
    puts_(&b, PICK(r, CLOSERS));
    puts_(&b, "\n\nEnds.\n\n");
    putf(&b, "Media enquiries: Press Office, %s\nTelephone: %s\n", mt->ag->name, mt->ag->phone);
    putf(&b, "Email: press@%s.example.gov\n", mt->ag->code[0] == 'M' ? "ministries" : "agencies");
    if (b.len > MAX_SIZE) { /* cut back to a line end; keeps the 8 KiB promise */
        size_t n = MAX_SIZE;
        while (n > 0 && out[n - 1] != '\n')
            n--;
        b.len = n;
    }
    return b.len;
}

/* --------------------------------------------------------------- output */

static void die(const char *what, const char *path)
{
    fprintf(stderr, "gen: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static int mkdir_at(int dirfd, const char *name, const char *shown)
{
    if (mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST)
        die("cannot create directory", shown);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        die("cannot open directory", shown);
    return fd;
}

static void usage(void)
{
    fputs("usage: gen -n N -o DIR [--seed S]\n"
          "       gen -n N --name I [--seed S]   (print the path of bulletin I, 1..N)\n", stderr);
    exit(2);
}

static uint64_t num_arg(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        usage();
    return v;
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 1, name_of = 0;
    const char *outdir = NULL;
    int have_n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = num_arg(argv[++i]), have_n = 1;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            outdir = argv[++i];
        else if ((!strcmp(argv[i], "--seed") || !strcmp(argv[i], "-s")) && i + 1 < argc)
            seed = num_arg(argv[++i]);
        else if (!strcmp(argv[i], "--name") && i + 1 < argc)
            name_of = num_arg(argv[++i]);
        else
            usage();
    }
    if (!have_n || n == 0 || n > 100000000ull || (!outdir && !name_of))
        usage();

    plan pl;
    plan_init(&pl, n);
    char path[512];
    meta mt;
    rng r;

    if (name_of) {
        if (name_of > n)
            usage();
        meta_for(&pl, seed, name_of, &mt, &r);
        path_of(&pl, &mt, path, sizeof path);
        puts(path);
        return 0;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
        die("cannot create directory", outdir);
    int root = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        die("cannot open directory", outdir);

    /* Directory handles of the current month; months only move forward. */
    int cur_month = -1, year_fd = -1, month_fd = -1, cur_year = -1;
    int agency_fd[N_AGENCIES];
    uint32_t *count = calloc((size_t)pl.months * N_AGENCIES, sizeof *count);
    if (!count)
        die("out of memory", "");
    for (size_t a = 0; a < N_AGENCIES; a++)
        agency_fd[a] = -1;

    static char text[MAX_SIZE + 4096];
    uint64_t bytes = 0;
    size_t smallest = SIZE_MAX, largest = 0;
    for (uint64_t i = 1; i <= n; i++) {
        meta_for(&pl, seed, i, &mt, &r);
        size_t a = (size_t)(mt.ag - AGENCIES);
        char part[64];
        if (mt.month_index != cur_month) {
            for (size_t k = 0; k < N_AGENCIES; k++)
                if (agency_fd[k] >= 0)
                    close(agency_fd[k]), agency_fd[k] = -1;
            if (month_fd >= 0)
                close(month_fd);
            if (mt.year != cur_year) {
                if (year_fd >= 0)
                    close(year_fd);
                snprintf(part, sizeof part, "%04d", mt.year);
                year_fd = mkdir_at(root, part, part);
                cur_year = mt.year;
            }
            snprintf(part, sizeof part, "%02d", mt.month);
            month_fd = mkdir_at(year_fd, part, part);
            cur_month = mt.month_index;
        }
        if (agency_fd[a] < 0)
            agency_fd[a] = mkdir_at(month_fd, mt.ag->slug, mt.ag->slug);
        count[(size_t)mt.month_index * N_AGENCIES + a]++;

        size_t len = render(&mt, &r, text, sizeof text);
        snprintf(part, sizeof part, "bulletin-%0*" PRIu64 ".txt", pl.width, i);
        int fd = openat(agency_fd[a], part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            path_of(&pl, &mt, path, sizeof path), die("cannot create", path);
        if (write(fd, text, len) != (ssize_t)len)
            path_of(&pl, &mt, path, sizeof path), die("cannot write", path);
        struct timespec ts[2] = { { mt.issued, 0 }, { mt.issued, 0 } };
        if (futimens(fd, ts) != 0)
            path_of(&pl, &mt, path, sizeof path), die("cannot set times of", path);
        if (close(fd) != 0)
            path_of(&pl, &mt, path, sizeof path), die("cannot close", path);
        bytes += len;
        if (len < smallest)
            smallest = len;
        if (len > largest)
            largest = len;
    }
    for (size_t k = 0; k < N_AGENCIES; k++)
        if (agency_fd[k] >= 0)
            close(agency_fd[k]);
    if (month_fd >= 0)
        close(month_fd);
    if (year_fd >= 0)
        close(year_fd);
    close(root);

    uint32_t busiest = 0, dirs = 0;
    for (size_t k = 0; k < (size_t)pl.months * N_AGENCIES; k++) {
        dirs += count[k] != 0;
        if (count[k] > busiest)
            busiest = count[k];
    }
    free(count);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "gen: %" PRIu64 " bulletins, %" PRIu64 " bytes (mean %.0f, min %zu, max %zu), "
            "%d months from %04d-%02d, %u directories, busiest %u files, %.2f s\n",
            n, bytes, (double)bytes / (double)n, smallest, largest, pl.months, pl.y0, pl.m0, dirs,
            busiest, secs);
    return 0;
}
