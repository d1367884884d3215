/** Every fixture payload under test/fixtures/<format>/<case>/source.json. */
const sources = import.meta.glob<unknown>("./fixtures/*/*/source.json", {
  eager: true,
  import: "default",
});

export interface Fixture {
  format: string;
  name: string;
  body: unknown;
}

export const fixtures: Fixture[] = Object.entries(sources)
  .map(([path, body]) => {
    const [, , format = "", name = ""] = path.split("/");
    return { format, name, body };
  })
  .sort((a, b) => `${a.format}/${a.name}`.localeCompare(`${b.format}/${b.name}`));
