// Placeholder until the bundled tasks land.
enum Placeholder {}
