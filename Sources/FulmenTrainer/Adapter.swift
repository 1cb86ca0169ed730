// Placeholder until the adapter lands.
enum Placeholder {}
