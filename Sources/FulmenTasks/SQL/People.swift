import FulmenModel

/// One row of the sql task's table `p`.
struct Person: Sendable, Hashable {
    var name: String
    var city: String
    var age: Int
}

/// The sql task's data: the people of one database, generated from its seed.
///
/// A database holds 8 people with distinct names drawn from ``names``, each living in one of ``cities``
/// (some cities may have nobody), with distinct ages from 18 to 79, so "the oldest" is always one person.
enum People {
    /// The table's schema, the same in every database: name, city and age, named short so prompts fit.
    static let schema = "CREATE TABLE p (n TEXT NOT NULL, c TEXT NOT NULL, a INTEGER NOT NULL)"
    static let count = 8
    static let names = [
        "Ada", "Bob", "Cal", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lea",
        "Max", "Ned", "Ola", "Pam", "Rex", "Sue", "Tom", "Uma", "Val", "Wes", "Yan", "Zoe",
    ]
    static let cities = ["Oslo", "Rome", "Lima", "Bern", "Kyiv", "Doha"]

    /// The people of database `seed`.
    static func generate(seed: UInt64) -> [Person] {
        var random = SeededRandom(seed: seed)
        let chosen = names.shuffled(using: &random).prefix(count)
        let ages = Array(18...79).shuffled(using: &random).prefix(count)
        return zip(chosen, ages).map { name, age in
            Person(name: name, city: cities.randomElement(using: &random)!, age: age)
        }
    }
}
