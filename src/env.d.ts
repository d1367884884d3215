declare module "*.jsonata" {
  const text: string;
  export default text;
}

declare module "*.html" {
  const text: string;
  export default text;
}

/** A browser script served as text (src/console/app.client.js). */
declare module "*.client.js" {
  const text: string;
  export default text;
}
