/**
 * The JSON the fake API answers with, in the shape of the real content API:
 * `meta` (title, pageAttributes with `data-uri`), `content` (`body` markup and
 * `footnotes`), `uri`, `verified`.
 *
 * @module
 */

import type { FakeCanon } from "./fake_canon.ts";
import type { FakeChapter, FakeParagraph, FakeVerse } from "./fake_chapter.ts";
import type { FakeFootnote } from "./fake_text.ts";
import { hashParts } from "./random.ts";

/** A response body of the content API. */
export interface ContentPage {
  readonly meta: {
    readonly title: string;
    readonly canonicalUrl: string;
    readonly pageAttributes: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly content: {
    readonly head: unknown;
    readonly body: string;
    readonly footnotes: Readonly<Record<string, FakeFootnote>>;
  };
  readonly uri: string;
  readonly verified: boolean;
  readonly restricted: boolean;
}

/** The page of a chapter, in language `lang` (echoed, whatever it is). */
export function chapterPage(fake: FakeChapter, lang: string): ContentPage {
  const aid = (part: string | number) =>
    String(100_000_000 + (hashParts(fake.uri, part) % 900_000_000));
  const header = [
    `<h1 data-aid="${aid("title")}" id="title1">${fake.bookTitle}</h1>`,
    fake.subtitle &&
    `<p class="subtitle" data-aid="${aid("subtitle")}" id="subtitle1">${fake.subtitle.html}</p>`,
    fake.intro && `<p class="intro" data-aid="${aid("intro")}" id="intro1">${fake.intro.html}</p>`,
    fake.studyIntro &&
    `<p class="study-intro" data-aid="${
      aid("study-intro")
    }" id="study_intro1">${fake.studyIntro.html}</p>`,
    fake.number &&
    `<p class="title-number" data-aid="${aid("number")}" id="title_number1">${fake.number}</p>`,
    fake.summary &&
    `<p class="study-summary" data-aid="${
      aid("summary")
    }" id="study_summary1">${fake.summary.html}</p>`,
  ].filter(Boolean).join("");
  const verses = fake.verses.map((verse) => _verse(verse, aid(verse.number))).join("\n");
  const paragraphs = _paragraphs(fake.paragraphs, aid);
  const block = (fake.sectioned ? `<section>${verses}</section>` : verses) + paragraphs;
  const footer = `<footer class="study-notes"><p data-aid="${aid("notes")}" id="study_notes1">` +
    `Notes for ${fake.title}.</p></footer>`;
  return _page({
    uri: fake.uri,
    lang,
    title: fake.title,
    contentType: "chapter",
    body: `<header>${header}</header><div class="body-block">${block}</div>${footer}`,
    footnotes: fake.footnotes,
  });
}

/**
 * The table of contents the API answers for a URI it has no chapter for: the
 * nearest book, volume or the scriptures' root. Its `data-uri` is never the
 * URI asked for, unless that URI is itself a contents page.
 */
export function contentsPage(canon: FakeCanon, uri: string, lang: string): ContentPage {
  const [, , volumeId, bookId] = uri.split("/");
  const volume = canon.volume(volumeId ?? "");
  const book = volume?.books.find((b) => b.id === bookId);
  let pageUri = "/scriptures";
  let title = "Scriptures";
  let links: [href: string, label: string][] = canon.volumes.map((
    v,
  ) => [`/scriptures/${v.id}`, v.title]);
  if (volume !== undefined && book !== undefined) {
    pageUri = `/scriptures/${volume.id}/${book.id}`;
    title = book.title;
    links = Array.from(
      { length: book.chapters },
      (_, i) => [`${pageUri}/${i + 1}`, `${book.title} ${i + 1}`],
    );
  } else if (volume !== undefined) {
    pageUri = `/scriptures/${volume.id}`;
    title = volume.title;
    links = volume.books.map((b) => [`${pageUri}/${b.id}`, b.title]);
  }
  const items = links.map(([href, label]) =>
    `<li><a class="list-tile" href="/study${href}?lang=${lang}"><p class="title">${label}</p></a></li>`
  ).join("");
  return _page({
    uri: pageUri,
    lang,
    title,
    contentType: "table-of-contents",
    body: `<header><h1 id="title1">${title}</h1></header>` +
      `<div class="body-block"><nav class="manifest"><ul class="doc-map">${items}</ul></nav></div>`,
    footnotes: {},
  });
}

/** Body paragraphs in order; each run of closing paragraphs inside one `div.closing-block`. */
function _paragraphs(
  paragraphs: readonly FakeParagraph[],
  aid: (part: string | number) => string,
): string {
  return paragraphs.map((p, index) => {
    const opens = p.closing && !paragraphs[index - 1]?.closing;
    const closes = p.closing && !paragraphs[index + 1]?.closing;
    const className = p.className ? ` class="${p.className}"` : "";
    const id = p.id === null ? "" : ` id="${p.id}"`;
    return (opens ? '<div class="closing-block">' : "") +
      `<p${className} data-aid="${aid(p.id ?? `paragraph${index + 1}`)}"${id}>` +
      `${p.content.html}</p>` + (closes ? "</div>" : "");
  }).join("\n");
}

function _verse(verse: FakeVerse, aid: string): string {
  const className = verse.poetry ? "verse contains-line" : "verse";
  const mark = verse.paragraphStart ? '<span class="para-mark">¶ </span>' : "";
  return `<p class="${className}" data-aid="${aid}" id="p${verse.number}">` +
    `<span class="verse-number">${verse.number} </span>${mark}${verse.content.html}</p>`;
}

function _page(page: {
  uri: string;
  lang: string;
  title: string;
  contentType: string;
  body: string;
  footnotes: Readonly<Record<string, FakeFootnote>>;
}): ContentPage {
  return {
    meta: {
      title: page.title,
      canonicalUrl: `/study${page.uri}?lang=${page.lang}`,
      pageType: page.contentType,
      pageAttributes: {
        "data-aid": String(hashParts(page.uri) % 1_000_000_000),
        "data-aid-version": "1",
        "data-content-type": page.contentType,
        "data-uri": page.uri,
        "lang": page.lang,
      },
    },
    content: {
      head: { "page-meta-social": { pageMeta: { title: page.title } } },
      body: page.body,
      footnotes: page.footnotes,
    },
    uri: page.uri,
    verified: true,
    restricted: false,
  };
}
