{'asin': '0000031852', 'title': u'Caf\xe9 "Tutu"', 'price': 3.17, 'categories': [['Beauty', 'Makeup']], 'brand': 'Coxlist', 'imUrl': None}
