// Vite's ?raw imports (the README text, read at build time: tests run in workerd without a filesystem).
declare module "*.md?raw" {
  const text: string;
  export default text;
}
