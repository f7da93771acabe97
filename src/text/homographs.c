/* src/text/homographs.c: words with two pronunciations told apart by their
 * neighbours (read, live, lead, wind, record, ...). No part-of-speech tagger:
 * a few word lists of the kind a tagger would learn. For each word, in order:
 *   1. the previous word (or the one before an adverb) in prev_a -> a
 *   2. the previous word in prev_b or the next word in next_b -> b
 *   3. rule VERB: after "to", a modal, "do" or a subject pronoun -> b;
 *      rule NOUN: after a determiner or possessive -> b
 *   4. at the start of a sentence, b when start_b; otherwise a.
 * Pronunciations are the dictionary's (each is one of the word's CMUdict
 * variants; tests/unit/test_g2p.c checks that). */
#include <string.h>

#include "text_internal.h"

enum { NONE, VERB, NOUN };

typedef struct homograph {
    const char *word;
    const char *a, *b;  /* a: the default */
    int rule;
    const char *prev_a, *prev_b, *next_b;
    int start_b;
} homograph;

#define VERB_PREV                                                              \
    "to will would can could should shall must may might do does did don't "   \
    "doesn't didn't won't can't cannot wouldn't couldn't shouldn't mustn't i " \
    "you we they please let's i'll you'll we'll they'll he'll she'll"
#define DET                                                                    \
    "a an the this that these those my your his her its our their no any "     \
    "some every each another whose"
#define OBJECT                                                                 \
    "the a an it its his her their my your our this that these those them "    \
    "him me us"
#define ADVERBS                                                                \
    "not never already just also always often recently previously all both "  \
    "carefully once twice only first ever n't"

static const homograph TABLE[] = {
    /* read: past (EH) after have/was and subject pronouns, present after
     * to/modals and at the start (imperative) */
    {"read", "R EH1 D", "R IY1 D", VERB,
     "have has had was were been is are be being 've 'd he she it i you we "
     "they who which and", NULL, NULL, 1},
    {"live", "L IH1 V", "L AY1 V", NONE, NULL,
     "a the is are was were be been being go goes went going gone 's it's "
     "broadcast played performed",
     "music broadcast broadcasts show shows performance performances audience "
     "audiences wire wires ammunition round rounds coverage feed stream "
     "streams event events concert concerts album albums recording "
     "recordings television tv action bait animals oak oaks version chat "
     "footage webcast streaming",
     0},
    {"lives", "L IH1 V Z", "L AY1 V Z", NOUN, NULL,
     "many save saved saving lost lose losing claimed cost took risk risked "
     "nine thousands millions hundreds human innocent private personal daily "
     "everyday whole entire own other different real two three four five "
     "several countless their our your his her my",
     "of were are", 0},
    {"lead", "L IY1 D", "L EH1 D", NONE, NULL, "of molten red white toxic",
     "pipe pipes paint poisoning poison pencil pencils weight weights shot "
     "bullet bullets acetate oxide levels crystal glass mine mines ore sheet "
     "sheets balloon apron",
     0},
    {"wind", "W IH1 N D", "W AY1 N D", VERB, NULL, NULL,
     "up down back around round through along", 0},
    {"winds", "W IH1 N D Z", "W AY1 N D Z", NONE, NULL,
     "road river path it he she that which trail stream",
     "up down back around round through along its", 0},
    {"wound", "W UW1 N D", "W AW1 N D", NONE, NULL,
     "had has have was were is be been he she it they i we you clock road "
     "river path",
     "up down around round through back along tightly tight", 0},
    {"tear", "T EH1 R", "T IH1 R", NONE, NULL, "a single first shed one each",
     "drop drops gas duct ducts stained", 0},
    {"tears", "T IH1 R Z", "T EH1 R Z", NONE, NULL, "he she it who which that",
     "up apart down off open through into", 0},
    {"bow", "B AW1", "B OW1", NONE, NULL, "violin cello hair long his her",
     "tie ties and string strings arrow arrows hunting", 0},
    {"bass", "B EY1 S", "B AE1 S", NONE, NULL,
     "sea striped largemouth smallmouth caught catch fresh",
     "fishing fishermen boat lake fish", 0},
    {"dove", "D AH1 V", "D OW1 V", NONE, NULL,
     "he she it they i we you then and who which",
     "into in off under down", 0},
    {"minute", "M IH1 N AH0 T", "M AY0 N UW1 T", NONE, NULL,
     "so very too most extremely",
     "details detail amounts amount quantities quantity traces particles "
     "differences changes fraction", 0},
    {"close", "K L OW1 S", "K L OW1 Z", VERB, NULL, NULL,
     OBJECT " down doors door shop eyes gap deal account ranks", 0},
    {"use", "Y UW1 S", "Y UW1 Z", VERB, NULL, NULL, OBJECT, 0},
    {"uses", "Y UW1 S IH0 Z", "Y UW1 Z IH0 Z", NONE, NULL,
     "he she it who which that", OBJECT, 0},
    {"excuse", "IH0 K S K Y UW1 S", "IH0 K S K Y UW1 Z", VERB, NULL, NULL,
     OBJECT " you", 1},
    {"refuse", "R IH0 F Y UW1 Z", "R EH1 F Y UW2 Z", NOUN, NULL, NULL,
     "collection disposal bins bin dump truck trucks heap", 0},
    {"desert", "D EH1 Z ER0 T", "D IH0 Z ER1 T", VERB, NULL, NULL,
     "his her their them him me us you", 0},
    {"content", "K AA1 N T EH0 N T", "K AH0 N T EH1 N T", NONE, NULL,
     "be is was were am are feel felt seem seemed remain remained quite "
     "perfectly",
     "with to", 0},
    {"resume", "R IH0 Z UW1 M", "R EH1 Z AH0 M EY2", NOUN, NULL, NULL, NULL, 0},
    /* nouns stressed on the first syllable, verbs on the second */
    {"record", "R EH1 K ER0 D", "R IH0 K AO1 R D", VERB, NULL, NULL, NULL, 0},
    {"records", "R EH1 K ER0 D Z", "R IH0 K AO1 R D Z", NONE, NULL,
     "he she it who which that", NULL, 0},
    {"present", "P R EH1 Z AH0 N T", "P R IY0 Z EH1 N T", VERB, NULL, NULL,
     OBJECT " evidence findings results", 0},
    {"object", "AA1 B JH EH0 K T", "AH0 B JH EH1 K T", VERB, NULL, NULL, "to", 0},
    {"permit", "P ER1 M IH2 T", "P ER0 M IH1 T", VERB, NULL, NULL, OBJECT " you", 0},
    {"produce", "P R AH0 D UW1 S", "P R OW1 D UW0 S", NOUN, NULL,
     "fresh local organic farm dairy", "section aisle stand", 0},
    {"project", "P R AA1 JH EH0 K T", "P R AH0 JH EH1 K T", VERB, NULL, NULL, NULL, 0},
    {"subject", "S AH1 B JH IH0 K T", "S AH0 B JH EH1 K T", VERB, NULL, NULL, NULL, 0},
    {"conduct", "K AA1 N D AH0 K T", "K AA0 N D AH1 K T", VERB, NULL, NULL, NULL, 0},
    {"contract", "K AA1 N T R AE2 K T", "K AH0 N T R AE1 K T", VERB, NULL, NULL, NULL, 0},
    {"conflict", "K AA1 N F L IH0 K T", "K AH0 N F L IH1 K T", VERB, NULL, NULL, NULL, 0},
    {"contrast", "K AA1 N T R AE0 S T", "K AH0 N T R AE1 S T", VERB, NULL, NULL, NULL, 0},
    {"insult", "IH1 N S AH2 L T", "IH2 N S AH1 L T", VERB, NULL, NULL, NULL, 0},
    {"rebel", "R EH1 B AH0 L", "R IH0 B EH1 L", VERB, NULL, NULL, NULL, 0},
    {"progress", "P R AA1 G R EH2 S", "P R AH0 G R EH1 S", VERB, NULL, NULL, NULL, 0},
    {"protest", "P R OW1 T EH2 S T", "P R AH0 T EH1 S T", VERB, NULL, NULL, NULL, 0},
    {"suspect", "S AH1 S P EH2 K T", "S AH0 S P EH1 K T", VERB, NULL, NULL, NULL, 0},
    {"convict", "K AA1 N V IH0 K T", "K AH0 N V IH1 K T", VERB, NULL, NULL, NULL, 0},
    {"address", "AE1 D R EH2 S", "AH0 D R EH1 S", VERB, NULL, NULL, NULL, 0},
    {"combat", "K AA1 M B AE0 T", "K AH0 M B AE1 T", VERB, NULL, NULL, NULL, 0},
    {"contest", "K AA1 N T EH0 S T", "K AH0 N T EH1 S T", VERB, NULL, NULL, NULL, 0},
    {"defect", "D IY1 F EH0 K T", "D IH0 F EH1 K T", VERB, NULL, NULL, NULL, 0},
    {"escort", "EH1 S K AO0 R T", "EH0 S K AO1 R T", VERB, NULL, NULL, NULL, 0},
    {"insert", "IH1 N S ER2 T", "IH2 N S ER1 T", VERB, NULL, NULL, NULL, 0},
    {"survey", "S ER1 V EY2", "S ER0 V EY1", VERB, NULL, NULL, NULL, 0},
    {"digest", "D AY1 JH EH0 S T", "D AY0 JH EH1 S T", VERB, NULL, NULL, NULL, 0},
    {"perfect", "P ER1 F IH2 K T", "P ER0 F EH1 K T", VERB, NULL, NULL, NULL, 0},
    {"console", "K AA1 N S OW0 L", "K AH0 N S OW1 L", VERB, NULL, NULL, NULL, 0},
    {"transport", "T R AE1 N S P AO0 R T", "T R AE0 N S P AO1 R T", VERB, NULL, NULL, NULL, 0},
    /* verbs by default, nouns after a determiner */
    {"increase", "IH2 N K R IY1 S", "IH1 N K R IY2 S", NOUN, NULL, NULL, NULL, 0},
    {"decrease", "D IH0 K R IY1 S", "D IY1 K R IY2 S", NOUN, NULL, NULL, NULL, 0},
    {"convert", "K AH0 N V ER1 T", "K AA1 N V ER0 T", NOUN, NULL, NULL, NULL, 0},
    {"import", "IH2 M P AO1 R T", "IH1 M P AO2 R T", NOUN, NULL, NULL,
     "duties duty tax taxes tariffs quotas ban bans license licence market "
     "markets prices", 0},
    {"reject", "R IH0 JH EH1 K T", "R IY1 JH EH0 K T", NOUN, NULL, NULL, NULL, 0},
    {"recall", "R IH0 K AO1 L", "R IY1 K AO2 L", NOUN, NULL, NULL, NULL, 0},
    {"upset", "AH0 P S EH1 T", "AH1 P S EH2 T", NOUN, NULL, NULL, NULL, 0},
    {"refund", "R IH0 F AH1 N D", "R IY1 F AH2 N D", NOUN, NULL, NULL, NULL, 0},
    /* adjectives/nouns in -ate, verbs in -ate with EY */
    {"estimate", "EH1 S T AH0 M AH0 T", "EH1 S T AH0 M EY2 T", VERB, NULL, NULL, OBJECT, 0},
    {"separate", "S EH1 P R AH0 T", "S EH1 P ER0 EY2 T", VERB, NULL, NULL, OBJECT, 0},
    {"graduate", "G R AE1 JH AH0 W AH0 T", "G R AE1 JH AH0 W EY2 T", VERB, NULL, NULL,
     "from in", 0},
    {"moderate", "M AA1 D ER0 AH0 T", "M AA1 D ER0 EY2 T", VERB, NULL, NULL, OBJECT, 0},
    {"associate", "AH0 S OW1 S IY0 AH0 T", "AH0 S OW1 S IY0 EY2 T", VERB, NULL, NULL,
     OBJECT " with", 0},
    {"advocate", "AE1 D V AH0 K AH0 T", "AE1 D V AH0 K EY2 T", VERB, NULL, NULL,
     OBJECT " for", 0},
    {"appropriate", "AH0 P R OW1 P R IY0 AH0 T", "AH0 P R OW1 P R IY0 EY2 T", VERB,
     NULL, NULL, NULL, 0},
    {"deliberate", "D IH0 L IH1 B ER0 AH0 T", "D IH0 L IH1 B ER0 EY2 T", VERB, NULL,
     NULL, "on over about", 0},
    {"duplicate", "D UW1 P L AH0 K AH0 T", "D UW1 P L AH0 K EY2 T", VERB, NULL, NULL,
     OBJECT, 0},
    {"alternate", "AO1 L T ER0 N AH0 T", "AO1 L T ER0 N EY2 T", VERB, NULL, NULL,
     "between with", 0},
    {"elaborate", "IH0 L AE1 B R AH0 T", "IH0 L AE1 B ER0 EY2 T", VERB, NULL, NULL,
     "on upon", 0},
};

static bool in(const char *w, const char *list) {
    return w && list && in_list_ci(w, strlen(w), list);
}

const char *homograph_pron(const char *w, const char *prev2, const char *prev,
                           const char *next) {
    const homograph *h = NULL;
    for (size_t i = 0; i < sizeof TABLE / sizeof *TABLE; i++)
        if (!strcmp(TABLE[i].word, w)) {
            h = &TABLE[i];
            break;
        }
    if (!h) return NULL;
    if (in(prev, h->prev_a) || (in(prev, ADVERBS) && in(prev2, h->prev_a))) return h->a;
    if (in(prev, h->prev_b) || in(next, h->next_b)) return h->b;
    if (h->rule == VERB && (in(prev, VERB_PREV) || (in(prev, ADVERBS) && in(prev2, VERB_PREV))))
        return h->b;
    if (h->rule == NOUN && in(prev, DET)) return h->b;
    if (!prev && h->start_b) return h->b;
    return h->a;
}

int homograph_count(void) { return (int)(sizeof TABLE / sizeof *TABLE); }
const char *homograph_word(int i, const char **a, const char **b) {
    *a = TABLE[i].a;
    *b = TABLE[i].b;
    return TABLE[i].word;
}
