declare module "*.jsonata" {
  const text: string;
  export default text;
}
